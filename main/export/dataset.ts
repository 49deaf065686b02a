import { stringify as stringifyYaml } from 'yaml';
import { StudioError } from '../../core/problems.ts';
import { csvTextCell, csvTextLine } from '../datasets/import/csv-cells.ts';
import type { DatasetTarget, SplitName, TrainingData } from '../datasets/index.ts';
import { OBJECT_COLUMNS } from '../datasets/target-columns.ts';
import {
  DATASET_ANNOTATIONS,
  DATASET_TARGETS,
  type DatasetExportFormat,
} from './dataset-layout.ts';
import {
  assertClassLine,
  detectionClasses,
  hasBoxes,
  objectsOf,
  readSamples,
  SPLITS,
  type Sample,
} from './dataset-samples.ts';
import { vocFiles } from './dataset-voc.ts';
import type { ExportFiles } from './files.ts';

/** Float32 values written so they read back to the same float32. */
const float = (v: number) => String(Math.fround(v));
/** Numbers as they are (a spreadsheet reads '-0.5' as a number); text marked and quoted. */
const cellOf = (v: string | number) => (typeof v === 'number' ? float(v) : csvTextCell(v));

/**
 * A dataset the studio trains on, as images and annotations: CSV (annotations.csv with path,
 * split, class, a normalised box and value columns, a row per object for an objects target, a
 * file per map target, plus targets.json), the layout the studio's CSV import and the exported
 * projects' train.py read; YOLO or COCO (every object, or the one box), which the studio's
 * imports read back; Pascal VOC (a mask, boxes or both).
 */
export async function exportDatasetFiles(
  data: TrainingData,
  format: DatasetExportFormat,
): Promise<ExportFiles> {
  switch (format) {
    case 'csv':
      return csvFiles(data);
    case 'yolo':
      return yoloFiles(data);
    case 'coco':
      return cocoFiles(data);
    case 'voc':
      return vocFiles(data);
  }
}

/**
 * An objects target is written a row per object, in the columns 'class', xmin…ymax and 'ignore',
 * so it takes the class and box columns: one objects target, and a 'class' and box target only
 * when they are the objects' (an import's chosen object, which the import chooses again).
 */
function checkObjectsCsv(data: TrainingData): void {
  const objects = data.targets.filter((t) => t.kind === 'objects');
  const [first, second] = objects;
  if (!first) return;
  if (second) {
    throw new StudioError(
      'E_EXPORT_UNSUPPORTED',
      `The dataset '${data.name}' has two objects targets, '${first.name}' and '${second.name}', and a CSV export holds one (a row per object); export it as coco.`,
    );
  }
  const named = data.targets.find((t) => t.kind === 'class' && t.name === 'class');
  if (named?.kind === 'class' && named.classes.join('\n') !== first.classes.join('\n')) {
    throw new StudioError(
      'E_EXPORT_UNSUPPORTED',
      `The dataset '${data.name}' has a class target 'class' whose classes are not those of its objects '${first.name}', and a CSV export gives the column 'class' to each object's class; rename the class target, or export as coco.`,
    );
  }
}

const sameBox = (a: readonly number[], b: readonly number[]) =>
  a.every((v, k) => Math.fround(v) === Math.fround(b[k] ?? NaN));

/** A sample's class and box, when it has them beside objects, must be one of its objects. */
function checkChosenObject(data: TrainingData, s: Sample): void {
  const classTarget = data.targets.find((t) => t.kind === 'class');
  if (!s.objects || classTarget?.name !== 'class' || s.classIndex === undefined) return;
  // A background image (no objects, or only ignored ones) has no class, and no chosen box.
  if (s.classIndex < 0 && !s.objects.some((o) => !o.ignore)) return;
  const chosen = s.objects.some(
    (o) => !o.ignore && o.classIndex === s.classIndex && (!s.box || sameBox(o.box, s.box)),
  );
  if (chosen) return;
  throw new StudioError(
    'E_EXPORT_UNSUPPORTED',
    `Image ${s.index} of the ${s.split} split of '${data.name}' has a class and box that are none of its objects, and a CSV export writes a row per object; export it as coco.`,
  );
}

async function csvFiles(data: TrainingData): Promise<ExportFiles> {
  checkObjectsCsv(data);
  const { samples, columns } = await readSamples(data);
  const files: ExportFiles = new Map();
  const lines = [csvTextLine(columns)];
  const line = (row: ReadonlyMap<string, string | number>) =>
    columns.map((c) => cellOf(row.get(c) ?? '')).join(',');
  for (const s of samples) {
    files.set(String(s.row.get('path')), s.png);
    for (const [path, bytes] of s.files) files.set(path, bytes);
    checkChosenObject(data, s);
    // An image without objects is one row with a blank class and box, which the import reads as
    // a background image; its box target's cells (zeros, as it has no box) are left blank.
    if (s.objectCells && !s.objectCells.length) {
      const row = new Map(s.row);
      for (const c of OBJECT_COLUMNS) row.set(c, '');
      lines.push(line(row));
    } else if (!s.objectCells) lines.push(line(s.row));
    for (const cells of s.objectCells ?? []) {
      const row = new Map(s.row);
      OBJECT_COLUMNS.forEach((c, k) => row.set(c, cells[k] ?? ''));
      lines.push(line(row));
    }
  }
  const text = (v: string) => new TextEncoder().encode(v);
  files.set(DATASET_ANNOTATIONS, text(`${lines.join('\n')}\n`));
  files.set(
    DATASET_TARGETS,
    text(
      `${JSON.stringify({ name: data.name, imageShape: data.imageShape, targets: data.targets }, null, 2)}\n`,
    ),
  );
  return files;
}

const YOLO_SPLITS: Record<SplitName, string> = { train: 'train', validation: 'val', test: 'test' };

/**
 * The targets a format holds: a CSV every one; YOLO and COCO the objects target, with the class
 * and box targets an import derives from it (its chosen object), else the first class and box;
 * VOC those and the first mask.
 */
export function targetsHeld(
  data: TrainingData,
  format: DatasetExportFormat,
): readonly DatasetTarget[] {
  if (format === 'csv') return data.targets;
  if (format === 'voc') {
    // VOC holds a mask (SegmentationClass/) and boxes (Annotations/) side by side.
    const held = new Set<DatasetTarget>(hasBoxes(data) ? boxTargets(data) : []);
    const mask = data.targets.find((t) => t.kind === 'mask');
    if (mask) held.add(mask);
    return data.targets.filter((t) => held.has(t));
  }
  return boxTargets(data);
}

/**
 * The objects target with the class and box targets an import derives from it, else the first
 * class and box.
 */
function boxTargets(data: TrainingData): readonly DatasetTarget[] {
  const objects = data.targets.find((t) => t.kind === 'objects');
  const classTarget = data.targets.find((t) => t.kind === 'class');
  const box = data.targets.find((t) => t.kind === 'box');
  if (!objects) return [classTarget, box].filter((t) => t !== undefined);
  const derived = classTarget?.name === 'class' ? [classTarget, box] : [];
  return [objects, ...derived].filter((t) => t !== undefined);
}

/**
 * A label line's number: the shortest decimal that reads back as the same double. The centre
 * and size of a box whose corners are float32 fractions are exact doubles, and the import's
 * centre ∓ half the size gives the corners back exactly, so boxes round-trip to the bit (and a
 * box drawn to the edge stays on it: no "reaches outside the image" on the way back).
 */
const yoloNumber = (v: number) => String(v);

/**
 * YOLO as Ultralytics reads it: images/<train|val|test>/NNNNN.png, a label file per image in
 * labels/<train|val|test>/ with a line `class cx cy w h` (fractions of the image) per object,
 * data.yaml (each split's image folder and the class names) and classes.txt for Darknet tools.
 * It holds every object of an objects target, else the class and box targets' one box. YOLO
 * cannot mark an object ignored, so ignored objects (crowds, difficult ones) are left out, as
 * Ultralytics' own COCO and VOC converters leave them out.
 */
async function yoloFiles(data: TrainingData): Promise<ExportFiles> {
  const classes = detectionClasses(data, 'YOLO');
  for (const name of classes) assertClassLine(data, name);
  const { samples } = await readSamples(data);
  const files: ExportFiles = new Map();
  const text = (v: string) => new TextEncoder().encode(v);
  for (const s of samples) {
    const name = `${YOLO_SPLITS[s.split]}/${String(s.index).padStart(5, '0')}`;
    files.set(`images/${name}.png`, s.png);
    const lines = objectsOf(s)
      .filter((o) => !o.ignore)
      .map(({ classIndex, box: [x0, y0, x1, y1] }) =>
        [classIndex, (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0].map(yoloNumber).join(' '),
      );
    files.set(`labels/${name}.txt`, text(lines.map((l) => `${l}\n`).join('')));
  }
  const splits = Object.fromEntries(
    SPLITS.filter((split) => data.splits[split].size > 0).map((split) => [
      YOLO_SPLITS[split],
      `images/${YOLO_SPLITS[split]}`,
    ]),
  );
  files.set('data.yaml', text(stringifyYaml({ ...splits, nc: classes.length, names: classes })));
  files.set('classes.txt', text(`${classes.join('\n')}\n`));
  return files;
}

/**
 * COCO: images/<split>-NNNNN.png and annotations.json (images, an annotation per object with
 * its bbox [x, y, width, height] in pixels, an ignored object as a crowd, categories). COCO has
 * no split of its own: each image carries a `split` field, which the studio's COCO import reads
 * back (other tools ignore it).
 */
async function cocoFiles(data: TrainingData): Promise<ExportFiles> {
  const classes = detectionClasses(data, 'COCO');
  const [height = 0, width = 0] = data.imageShape;
  const { samples } = await readSamples(data);
  const files: ExportFiles = new Map();
  const images: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  for (const s of samples) {
    const fileName = `${s.split}-${String(s.index).padStart(5, '0')}.png`;
    files.set(`images/${fileName}`, s.png);
    const id = images.length + 1;
    images.push({ id, file_name: fileName, width, height, split: s.split });
    for (const o of objectsOf(s)) {
      const [x0, y0, x1, y1] = o.box;
      const bbox = [x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height];
      annotations.push({
        id: annotations.length + 1,
        image_id: id,
        category_id: o.classIndex + 1,
        bbox: bbox.map((v) => Math.fround(v)),
        area: Math.fround(bbox[2]! * bbox[3]!),
        iscrowd: o.ignore ? 1 : 0,
      });
    }
  }
  const categories = classes.map((name, i) => ({ id: i + 1, name }));
  const json = JSON.stringify({ images, annotations, categories });
  files.set('annotations.json', new TextEncoder().encode(`${json}\n`));
  return files;
}
