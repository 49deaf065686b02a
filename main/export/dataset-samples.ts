/**
 * What every dataset export reads: each sample of each split as PNG bytes with its targets, and
 * the classes and objects the box formats (YOLO, COCO, VOC) write.
 */
import sharp from 'sharp';
import {
  OBJECT_ROWS_SIZE,
  readObjectRows,
  type ObjectRow,
} from '../../core/detection/object-rows.ts';
import { StudioError } from '../../core/problems.ts';
import type { DatasetSplit, SplitName, TrainingData } from '../datasets/index.ts';
import { objectCells, targetCells, targetColumns, targetFile } from '../datasets/target-columns.ts';

export const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

/** One sample of a split, as its image bytes and targets. */
export interface Sample {
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
export async function readSamples(data: TrainingData) {
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

/** Whether a dataset has boxes to write: an objects target, or a class and a box target. */
export const hasBoxes = (data: TrainingData): boolean =>
  data.targets.some((t) => t.kind === 'objects') ||
  (data.targets.some((t) => t.kind === 'class') && data.targets.some((t) => t.kind === 'box'));

/**
 * The classes a YOLO or COCO file names: an objects target's (every object is written), else the
 * class target's with the box target's one box per image.
 */
export function detectionClasses(data: TrainingData, format: string): readonly string[] {
  const objects = data.targets.find((t) => t.kind === 'objects');
  return objects ? objects.classes : classesWithBoxes(data, format);
}

/** A sample's objects as YOLO and COCO write them: every object, or the one box. */
export const objectsOf = (s: Sample): readonly ObjectRow[] =>
  s.objects ?? [
    {
      classIndex: s.classIndex ?? 0,
      box: (s.box ?? [0, 0, 0, 0]) as unknown as ObjectRow['box'],
      ignore: false,
    },
  ];

/**
 * classes.txt is one name a line, and YOLO tools (the studio's import too) trim each line and
 * skip blank ones; no escape exists. A name that would read back as something else (an extra
 * class, a shifted index) is refused rather than changed.
 */
export function assertClassLine(
  data: TrainingData,
  name: string,
  file = "YOLO's classes.txt",
): void {
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
