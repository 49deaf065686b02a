import { OBJECT_ROWS_SIZE, readObjectRows } from '../../core/detection/object-rows.ts';
import type { DatasetTarget, TaskKind } from '../../core/tasks/registry.ts';
import { npy } from '../export/npz.ts';
import { encodeSingleChannelPng } from './png.ts';

type TargetOf<K extends TaskKind> = Extract<DatasetTarget, { kind: K }>;

/**
 * How each task kind's target reads as columns of a CSV file (the dataset export writes them and
 * the CSV import reads the same names back): the column names, and one sample's cells.
 */
interface TargetColumns<K extends TaskKind> {
  readonly columns: (target: TargetOf<K>) => readonly string[];
  /**
   * The cells of sample `i`, in column order, from the split's stored values: numbers as float32
   * values, names as text (the writer quotes and marks text; numbers stay numbers).
   */
  readonly cells: (
    target: TargetOf<K>,
    values: Int32Array | Float32Array,
    i: number,
  ) => (string | number)[];
  /**
   * A target too large for cells (a map over the image) is a file per sample, and its one
   * column holds the file's path: the file's extension and its bytes for sample `i`.
   */
  readonly file?: {
    readonly extension: string;
    readonly bytes: (
      target: TargetOf<K>,
      values: Int32Array | Float32Array,
      i: number,
    ) => Uint8Array;
  };
}

const BOX_COLUMNS = ['xmin', 'ymin', 'xmax', 'ymax'] as const;
/** The columns of an objects target; 'class' and the box are those a CSV import looks for. */
export const OBJECT_COLUMNS = ['class', ...BOX_COLUMNS, 'ignore'] as const;

const valueCells = (width: number) => (_: unknown, values: Int32Array | Float32Array, i: number) =>
  Array.from(values.subarray(i * width, (i + 1) * width), (v) => Math.fround(v));

export const TARGET_COLUMNS: { readonly [K in TaskKind]: TargetColumns<K> } = {
  // A class target is one column named as the target, holding the class's name.
  class: {
    columns: (t) => [t.name],
    cells: (t, values, i) => [t.classes[values[i] ?? -1] ?? ''],
  },
  // One 0/1 column per attribute; the import groups them again when they are marked as attributes.
  attributes: {
    columns: (t) => t.attributes,
    cells: (t, values, i) => valueCells(t.attributes.length)(t, values, i),
  },
  box: {
    columns: () => BOX_COLUMNS,
    cells: (t, values, i) => valueCells(4)(t, values, i),
  },
  numeric: {
    columns: (t) => t.columns,
    cells: (t, values, i) => valueCells(t.columns.length)(t, values, i),
  },
  // One row per object (the image's other cells repeated): its class's name, its box as
  // fractions and 0/1 for ignored, the columns an object-detection CSV has. A sample's cells are
  // an image without objects, which no format of boxes holds; objectCells gives the rows.
  objects: {
    columns: () => OBJECT_COLUMNS,
    cells: () => OBJECT_COLUMNS.map(() => ''),
  },
  // A mask is a palette PNG of class indices (VOC's colours, 255 ignored), which every
  // segmentation tool reads; depth and normals are .npy files of their layout (float32,
  // [H, W, C]), exact where a 16-bit PNG would round depth to its unit.
  mask: {
    columns: (t) => [t.name],
    cells: () => [''],
    file: {
      extension: 'png',
      bytes: (t, values, i) => maskPng(t, values.subarray(i * t.height * t.width)),
    },
  },
  depth: mapColumns((t) => [t.height, t.width, 1]),
  normals: mapColumns((t) => [t.height, t.width, 3]),
};

/** A mask's class indices as an 8-bit palette PNG. */
export const maskPng = (
  t: { readonly height: number; readonly width: number },
  values: ArrayLike<number>,
): Uint8Array =>
  encodeSingleChannelPng({
    width: t.width,
    height: t.height,
    bitDepth: 8,
    colour: 3,
    values: Uint8Array.from({ length: t.width * t.height }, (_, k) => values[k] ?? 0),
  });

/** The columns of a map target: its file's path in one column named as the target. */
function mapColumns<K extends 'depth' | 'normals'>(
  shape: (t: { readonly height: number; readonly width: number }) => number[],
): TargetColumns<K> {
  return {
    columns: (t: { readonly name: string }) => [t.name],
    // The export puts the file's path here (`targetFile`).
    cells: () => [''],
    file: {
      extension: 'npy',
      bytes: (t, values, i) => {
        const size = shape(t).reduce((a, b) => a * b, 1);
        return npy({
          shape: shape(t),
          values: Float32Array.from(values.subarray(i * size, (i + 1) * size)),
        });
      },
    },
  };
}

/** How a target is written as a file per sample, when it is one (a map). */
export const targetFile = (t: DatasetTarget) =>
  (TARGET_COLUMNS[t.kind] as TargetColumns<TaskKind>).file as
    | {
        extension: string;
        bytes: (t: DatasetTarget, values: Int32Array | Float32Array, i: number) => Uint8Array;
      }
    | undefined;

/** A target's CSV columns, whatever its kind. */
export const targetColumns = (t: DatasetTarget): readonly string[] =>
  (TARGET_COLUMNS[t.kind] as TargetColumns<TaskKind>).columns(t as never);

/** One sample's cells of a target, in the order of `targetColumns`. */
export const targetCells = (
  t: DatasetTarget,
  values: Int32Array | Float32Array,
  i: number,
): (string | number)[] =>
  (TARGET_COLUMNS[t.kind] as TargetColumns<TaskKind>).cells(t as never, values, i);

/**
 * Sample `i`'s objects as CSV rows, cells in the order of OBJECT_COLUMNS: written one CSV row
 * each, the image's other cells repeated, which the CSV import groups by image again.
 */
export const objectCells = (
  t: TargetOf<'objects'>,
  values: Int32Array | Float32Array,
  i: number,
): (string | number)[][] =>
  readObjectRows(values, i * OBJECT_ROWS_SIZE).map((o) => [
    t.classes[o.classIndex] ?? String(o.classIndex),
    ...o.box.map((v) => Math.fround(v)),
    o.ignore ? 1 : 0,
  ]);
