import sharp from 'sharp';
import { stringify as stringifyYaml } from 'yaml';
import {
  OBJECT_ROWS_SIZE,
  readObjectRows,
  type ObjectRow,
} from '../../core/detection/object-rows.ts';
import { StudioError } from '../../core/problems.ts';
import { csvTextCell, csvTextLine } from '../datasets/import/csv-cells.ts';
import type { DatasetSplit, DatasetTarget, SplitName, TrainingData } from '../datasets/index.ts';
import {
  OBJECT_COLUMNS,
  objectCells,
  targetCells,
  targetColumns,
  targetFile,
} from '../datasets/target-columns.ts';
import {
  DATASET_ANNOTATIONS,
  DATASET_TARGETS,
  type DatasetExportFormat,
} from './dataset-layout.ts';
import type { ExportFiles } from './files.ts';
import { VOC_SEGMENTATION_CLASSES } from '../datasets/import/voc-segmentation.ts';

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

/** One sample of a split, as its image bytes and targets. */
interface Sample {
  readonly split: SplitName;
  readonly index: number;
  readonly png: Uint8Array;
  /** A map target's file per sample (its column holds the path), by path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** Text cells (path, split, class) as strings, box corners and values as numbers. */
  readonly row: ReadonlyMap<string, string | number>;
  readonly classIndex?: number;
  /** [xmin, ymin, xmax, ymax] as fractions of the image. */
  readonly box?: readonly number[];
  /** Every object of the first objects target, boxes as fractions of the image. */
  readonly objects?: readonly ObjectRow[];
  /** Those objects as CSV cells, in the order of OBJECT_COLUMNS. */
  readonly objectCells?: readonly (readonly (string | number)[])[];
}

/** Float32 values written so they read back to the same float32. */
const float = (v: number) => String(Math.fround(v));
/** Numbers as they are (a spreadsheet reads '-0.5' as a number); text marked and quoted. */
const cellOf = (v: string | number) => (typeof v === 'number' ? float(v) : csvTextCell(v));

async function encodePng(
  split: DatasetSplit,
  i: number,
  shape: readonly number[],
): Promise<Uint8Array> {
  const [height = 0, width = 0, channels = 0] = shape;
  const size = height * width * channels;
  const raw = split.images.subarray(i * size, (i + 1) * size);
  return new Uint8Array(
    await sharp(Buffer.from(raw), { raw: { width, height, channels: channels as 1 | 3 } })
      .png()
      .toBuffer(),
  );
}

/** Every sample of every split with its targets as named columns. */
async function readSamples(data: TrainingData) {
  const samples: Sample[] = [];
  const columns = ['path', 'split'];
  // An imported dataset offers each value column alone and all together ('values'): one column
  // each in the file.
  for (const t of data.targets)
    columns.push(...targetColumns(t).filter((c) => !columns.includes(c)));
  // The YOLO and COCO files are classes with boxes: they read the first of each.
  const classTarget = data.targets.find((t) => t.kind === 'class');
  const boxTarget = data.targets.find((t) => t.kind === 'box');
  const objectsTarget = data.targets.find((t) => t.kind === 'objects');
  for (const split of SPLITS) {
    const reader = data.splits[split];
    const block = 64;
    for (let start = 0; start < reader.size; start += block) {
      const indices = Array.from(
        { length: Math.min(block, reader.size - start) },
        (_, k) => start + k,
      );
      const part = await reader.read(indices);
      for (let i = 0; i < part.size; i++) {
        const index = start + i;
        const path = `images/${split}/${String(index).padStart(5, '0')}.png`;
        const row = new Map<string, string | number>([
          ['path', path],
          ['split', split],
        ]);
        const files = new Map<string, Uint8Array>();
        for (const t of data.targets) {
          const values = part.targets[t.name];
          // An objects target is a CSV row per object, written by csvFiles.
          if (!values || t.kind === 'objects') continue;
          const file = targetFile(t);
          const cells = file
            ? [`maps/${t.name}/${split}/${String(index).padStart(5, '0')}.${file.extension}`]
            : targetCells(t, values, i);
          if (file) files.set(cells[0] as string, file.bytes(t, values, i));
          targetColumns(t).forEach((c, k) => {
            const cell = cells[k] ?? '';
            // Targets may share a column ('values' and each of its columns) but not differ in it.
            if (row.has(c) && row.get(c) !== cell) {
              throw new StudioError(
                'E_EXPORT_UNSUPPORTED',
                `The dataset '${data.name}' has two targets that both need the column '${c}'; a CSV export can hold only one of them.`,
              );
            }
            row.set(c, cell);
          });
        }
        const classValues = classTarget && part.targets[classTarget.name];
        const classIndex = classValues ? classValues[i] : undefined;
        const boxValues = boxTarget && part.targets[boxTarget.name];
        const box = boxValues ? Array.from(boxValues.subarray(i * 4, i * 4 + 4)) : undefined;
        const objectValues = objectsTarget && part.targets[objectsTarget.name];
        const objects = objectValues && readObjectRows(objectValues, i * OBJECT_ROWS_SIZE);
        samples.push({
          split,
          index,
          png: await encodePng(part, i, data.imageShape),
          files,
          row,
          ...(classIndex !== undefined ? { classIndex } : {}),
          ...(box ? { box } : {}),
          ...(objects ? { objects } : {}),
          ...(objectsTarget?.kind === 'objects' && objectValues
            ? { objectCells: objectCells(objectsTarget, objectValues, i) }
            : {}),
        });
      }
    }
  }
  return { samples, columns };
}

/**
 * A dataset the studio trains on, as images and annotations: CSV (annotations.csv with path,
 * split, class, a normalised box and value columns, a row per object for an objects target, a
 * file per map target, plus targets.json), the layout the studio's CSV import and the exported
 * projects' train.py read; YOLO or COCO (every object, or the one box), which the studio's
 * imports read back; Pascal VOC for a mask.
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

/** The class names of a dataset that has a class and a box target, or the sentence why not. */
function classesWithBoxes(data: TrainingData, format: string): readonly string[] {
  const classes = data.targets.find((t) => t.kind === 'class');
  if (!classes || !data.targets.some((t) => t.kind === 'box')) {
    throw new StudioError(
      'E_EXPORT_UNSUPPORTED',
      `The dataset '${data.name}' has no objects target and no ${classes ? 'box' : 'class'} target, and a ${format} dataset is classes with boxes; export it as csv.`,
    );
  }
  return classes.classes;
}

/**
 * The classes a YOLO or COCO file names: an objects target's (every object is written), else the
 * class target's with the box target's one box per image.
 */
function detectionClasses(data: TrainingData, format: string): readonly string[] {
  const objects = data.targets.find((t) => t.kind === 'objects');
  return objects ? objects.classes : classesWithBoxes(data, format);
}

/** A sample's objects as YOLO and COCO write them: every object, or the one box. */
const objectsOf = (s: Sample): readonly ObjectRow[] =>
  s.objects ?? [
    {
      classIndex: s.classIndex ?? 0,
      box: (s.box ?? [0, 0, 0, 0]) as unknown as ObjectRow['box'],
      ignore: false,
    },
  ];

/**
 * The targets a format holds: a CSV every one; YOLO and COCO the objects target, with the class
 * and box targets an import derives from it (its chosen object), else the first class and box.
 */
export function targetsHeld(
  data: TrainingData,
  format: DatasetExportFormat,
): readonly DatasetTarget[] {
  if (format === 'csv') return data.targets;
  if (format === 'voc') return data.targets.filter((t) => t.kind === 'mask').slice(0, 1);
  const objects = data.targets.find((t) => t.kind === 'objects');
  const classTarget = data.targets.find((t) => t.kind === 'class');
  const box = data.targets.find((t) => t.kind === 'box');
  if (!objects) return [classTarget, box].filter((t) => t !== undefined);
  const derived = classTarget?.name === 'class' ? [classTarget, box] : [];
  return [objects, ...derived].filter((t) => t !== undefined);
}

/**
 * classes.txt is one name a line, and YOLO tools (the studio's import too) trim each line and
 * skip blank ones; no escape exists. A name that would read back as something else (an extra
 * class, a shifted index) is refused rather than changed.
 */
function assertYoloClassName(data: TrainingData, name: string, file = "YOLO's classes.txt"): void {
  const why = /[\r\n]/.test(name)
    ? 'holds a line break'
    : name.trim() === ''
      ? 'is blank'
      : name !== name.trim()
        ? 'starts or ends with a space'
        : undefined;
  if (why === undefined) return;
  throw new StudioError(
    'E_EXPORT_UNSUPPORTED',
    `The class ${JSON.stringify(name)} of the dataset '${data.name}' ${why}, which ${file} (one name a line) cannot hold; rename it, or export as csv${file.startsWith('YOLO') ? ' or coco' : ''}.`,
  );
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
  for (const name of classes) assertYoloClassName(data, name);
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

const VOC_SPLITS: Record<SplitName, string> = { train: 'train', validation: 'val', test: 'test' };

/**
 * Pascal VOC segmentation: JPEGImages/<split>-NNNNN.png, SegmentationClass/<same id>.png (palette
 * indices, 255 ignored), ImageSets/Segmentation/{train,val,test}.txt, and classes.txt when the
 * classes are not VOC's own. The images are PNG, though the folder is VOC's JPEGImages: JPEG would
 * change their pixels, and the studio's VOC import (like most VOC readers that list the folder)
 * takes any image; a reader that asks for '<id>.jpg' by name will not find them.
 */
async function vocFiles(data: TrainingData): Promise<ExportFiles> {
  const mask = data.targets.find((t) => t.kind === 'mask');
  if (!mask) {
    throw new StudioError(
      'E_EXPORT_UNSUPPORTED',
      `The dataset '${data.name}' has no mask target, and a VOC segmentation dataset is masks; export it as csv.`,
    );
  }
  for (const name of mask.classes) assertYoloClassName(data, name, 'classes.txt');
  const { samples } = await readSamples(data);
  const files: ExportFiles = new Map();
  const text = (v: string) => new TextEncoder().encode(v);
  const lists: Record<SplitName, string[]> = { train: [], validation: [], test: [] };
  for (const s of samples) {
    const id = `${s.split}-${String(s.index).padStart(5, '0')}`;
    lists[s.split].push(id);
    files.set(`JPEGImages/${id}.png`, s.png);
    const png = s.files.get(String(s.row.get(mask.name)));
    if (png) files.set(`SegmentationClass/${id}.png`, png);
  }
  for (const split of SPLITS) {
    const ids = lists[split];
    files.set(
      `ImageSets/Segmentation/${VOC_SPLITS[split]}.txt`,
      text(ids.map((id) => `${id}\n`).join('')),
    );
  }
  const isVocs = mask.classes.join('\n') === VOC_SEGMENTATION_CLASSES.join('\n');
  if (!isVocs) files.set('classes.txt', text(`${mask.classes.join('\n')}\n`));
  return files;
}
