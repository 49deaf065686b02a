/**
 * Which column of a CSV header holds what: the image path, the class, the box, the split, the
 * image size, the map files (mask, depth and its scale, normals), the value columns a regression head can learn, further label columns (each a
 * classification task) and attribute columns (together one attributes task).
 */
import type { DatasetTarget } from '../../../core/dataset-target.ts';
import { DatasetError } from '../errors.ts';
import { OBJECT_COLUMNS, targetColumns } from '../target-columns.ts';
import { parseNumber } from './files.ts';
import { PRIMARY_CLASS } from './types.ts';

/** Names are compared lower-cased without spaces, '_' or '-': 'File Name' and 'file_name' match 'filename'. */
const normaliseName = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');

/** Accepted names in order of preference: the first one present wins. */
const PATH_NAMES = [
  'path',
  'image',
  'file',
  'filename',
  'imagepath',
  'imagefile',
  'imagename',
  'filepath',
  'img',
  'imgpath',
];
const CLASS_NAMES = ['class', 'label', 'category', 'classname', 'categoryname', 'labelname'];
const SPLIT_NAMES = ['split', 'subset'];
const BOX_NAMES = {
  xmin: ['xmin', 'x1'],
  ymin: ['ymin', 'y1'],
  xmax: ['xmax', 'x2'],
  ymax: ['ymax', 'y2'],
} as const;
const WIDTH_NAMES = ['width', 'imagewidth', 'imgwidth'];
/** A 0/1 column saying an object is ignored: COCO's crowds, Pascal VOC's difficult objects. */
const IGNORE_NAMES = ['ignore', 'iscrowd', 'crowd', 'difficult'];
const HEIGHT_NAMES = ['height', 'imageheight', 'imgheight'];
/** Map columns: a file per image (a PNG of class indices, a depth map, a normal map). */
const MASK_NAMES = ['mask', 'maskpath', 'maskfile', 'segmentation'];
const DEPTH_NAMES = ['depth', 'depthpath', 'depthfile', 'depthmap'];
const DEPTH_SCALE_NAMES = ['depthscale'];
const NORMALS_NAMES = ['normals', 'normalspath', 'normalmap'];
/** Numeric identifiers are not something to learn, so they do not become value columns. */
const IDENTIFIER_NAMES = new Set(['id', 'imageid', 'objectid', 'annotationid', 'index', 'idx']);

export type BoxCorner = keyof typeof BOX_NAMES;
export const BOX_CORNERS: readonly BoxCorner[] = ['xmin', 'ymin', 'xmax', 'ymax'];

export interface CsvColumns {
  readonly path: number;
  /** Absent only when the file has map columns: a dense dataset needs no class per image. */
  readonly className?: number;
  /** The map columns: each cell a file's path, relative to the CSV. */
  readonly mask?: number;
  readonly depth?: number;
  /** Metres per unit of the row's depth file. */
  readonly depthScale?: number;
  readonly normals?: number;
  /** Indices of xmin, ymin, xmax, ymax; absent when the file has no box columns. */
  readonly box?: Readonly<Record<BoxCorner, number>>;
  readonly split?: number;
  /** The image size columns (as in TensorFlow's object-detection CSV); only beside a box. */
  readonly width?: number;
  readonly height?: number;
  /** The object's 0/1 ignore flag (a crowd, a difficult object); only beside a box. */
  readonly ignore?: number;
  /** Numeric columns left over, by name, in file order. */
  readonly values: readonly { readonly name: string; readonly index: number }[];
  /** Further columns of words: each one a classification task named by its column. */
  readonly labels: readonly { readonly name: string; readonly index: number }[];
  /** Columns the user marked as attributes (0/1), in the order given. */
  readonly attributes: readonly { readonly name: string; readonly index: number }[];
  /** A `labels` column of ';'-separated names: one attributes task. */
  readonly labelList?: number;
}

/** A column of ';'-separated names that are on for the image: an attributes task. */
const LABEL_LIST_NAMES = ['labels', 'tags', 'attributes'];

function findColumn(normalised: readonly string[], names: readonly string[]): number | undefined {
  for (const name of names) {
    const index = normalised.indexOf(name);
    if (index >= 0) return index;
  }
  return undefined;
}

const listNames = (names: readonly string[]): string => names.map((name) => `'${name}'`).join(', ');

/**
 * A column is a value column when at least half of its filled cells are numbers: a stray 'n/a'
 * then becomes a bad row, while a column of words (a note, a source) is left alone.
 */
function isNumericColumn(rows: readonly (readonly string[])[], index: number): boolean {
  let filled = 0;
  let numeric = 0;
  for (const row of rows) {
    const cell = row[index] ?? '';
    if (cell.trim() === '') continue;
    filled += 1;
    if (parseNumber(cell) !== undefined) numeric += 1;
  }
  return numeric > 0 && numeric * 2 >= filled;
}

/**
 * The columns of the targets a dataset export's targets.json lists (checked against the header
 * already): class targets are labels whatever their cells look like, attributes and value
 * columns are as listed. The class the objects carry is an objects target's (its column is
 * 'class', a row per object), else the target called 'class', else the first class target.
 */
function targetRoles(header: readonly string[], targets: readonly DatasetTarget[]) {
  const at = (name: string) => ({ name, index: header.indexOf(name) });
  const classes = targets.filter((t) => t.kind === 'class');
  const primary = classes.find((t) => t.name === PRIMARY_CLASS) ?? classes[0];
  const objects = targets.some((t) => t.kind === 'objects');
  const columnsOf = (kind: DatasetTarget['kind']) => [
    ...new Set(targets.filter((t) => t.kind === kind).flatMap((t) => targetColumns(t))),
  ];
  const mapColumn = (kind: 'mask' | 'depth' | 'normals') => {
    const map = targets.find((t) => t.kind === kind);
    return map ? header.indexOf(map.name) : undefined;
  };
  return {
    className: objects
      ? header.indexOf(OBJECT_COLUMNS[0])
      : primary
        ? header.indexOf(primary.name)
        : undefined,
    ...(objects ? { ignore: header.indexOf(OBJECT_COLUMNS[5]) } : {}),
    mask: mapColumn('mask'),
    depth: mapColumn('depth'),
    normals: mapColumn('normals'),
    labels: classes.filter((t) => t.name !== PRIMARY_CLASS).map((t) => at(t.name)),
    values: columnsOf('numeric').map(at),
    attributes: columnsOf('attributes').map(at),
  };
}

/**
 * Maps the header to roles; a file lacking a path or a class column is one sentence. With the
 * `targets` of an export's targets.json, the targets' columns are taken as it lists them.
 */
export function mapCsvColumns(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  fileName: string,
  attributeNames: readonly string[] = [],
  targets?: readonly DatasetTarget[],
): CsvColumns {
  const normalised = header.map(normaliseName);
  const shown = header.map((name) => `'${name}'`).join(', ');
  const path = findColumn(normalised, PATH_NAMES);
  if (path === undefined) {
    throw new DatasetError(
      'E_DATASET_COLUMNS',
      `${fileName} has no column for the image path: name one ${listNames(PATH_NAMES.slice(0, 4))} (its columns are ${shown}).`,
    );
  }
  const listed = targets && targetRoles(header, targets);
  // A depth column of numbers is something to learn per image, not a depth map's path.
  const depthColumn = findColumn(normalised, DEPTH_NAMES);
  const maps = listed ?? {
    mask: findColumn(normalised, MASK_NAMES),
    depth:
      depthColumn !== undefined && !isNumericColumn(rows, depthColumn) ? depthColumn : undefined,
    normals: findColumn(normalised, NORMALS_NAMES),
  };
  const mapColumns = {
    ...(maps.mask !== undefined ? { mask: maps.mask } : {}),
    ...(maps.depth !== undefined ? { depth: maps.depth } : {}),
    ...(maps.normals !== undefined ? { normals: maps.normals } : {}),
  };
  const depthScale =
    maps.depth !== undefined ? findColumn(normalised, DEPTH_SCALE_NAMES) : undefined;
  if (depthScale !== undefined) Object.assign(mapColumns, { depthScale });
  const className = listed ? listed.className : findColumn(normalised, CLASS_NAMES);
  if (className === undefined && Object.keys(mapColumns).length === 0) {
    throw new DatasetError(
      'E_DATASET_COLUMNS',
      `${fileName} has no column for the class: name one ${listNames(CLASS_NAMES.slice(0, 3))} (its columns are ${shown}).`,
    );
  }
  const corners = BOX_CORNERS.map((corner) => findColumn(normalised, BOX_NAMES[corner]));
  const present = BOX_CORNERS.filter((_, i) => corners[i] !== undefined);
  if (present.length > 0 && present.length < 4) {
    const absent = BOX_CORNERS.filter((_, i) => corners[i] === undefined);
    throw new DatasetError(
      'E_DATASET_COLUMNS',
      `${fileName} has box columns ${listNames(present)} but not ${listNames(absent)}: a box needs all of xmin, ymin, xmax and ymax.`,
    );
  }
  const [xmin, ymin, xmax, ymax] = corners;
  const box =
    xmin !== undefined && ymin !== undefined && xmax !== undefined && ymax !== undefined
      ? { xmin, ymin, xmax, ymax }
      : undefined;
  const split = findColumn(normalised, SPLIT_NAMES);
  if (listed) {
    return {
      path,
      ...(className !== undefined ? { className } : {}),
      ...mapColumns,
      ...(box ? { box } : {}),
      ...(split !== undefined ? { split } : {}),
      ...(box && listed.ignore !== undefined ? { ignore: listed.ignore } : {}),
      values: listed.values,
      labels: listed.labels,
      attributes: listed.attributes,
    };
  }
  // Without a box, 'width' is more likely something to learn than the image's size.
  const width = box ? findColumn(normalised, WIDTH_NAMES) : undefined;
  const height = box ? findColumn(normalised, HEIGHT_NAMES) : undefined;
  const ignore = box ? findColumn(normalised, IGNORE_NAMES) : undefined;
  const attributes = attributeNames.map((name) => {
    const index = header.findIndex((h) => h.trim() === name);
    if (index < 0) {
      throw new DatasetError(
        'E_DATASET_COLUMNS',
        `${fileName} has no column '${name}' to read as an attribute (its columns are ${shown}).`,
      );
    }
    return { name, index };
  });
  const labelList = findColumn(normalised, LABEL_LIST_NAMES);
  const taken = new Set([
    path,
    className,
    split,
    width,
    height,
    ignore,
    labelList,
    ...Object.values(mapColumns),
    ...corners,
    ...attributes.map((a) => a.index),
  ]);
  const values: { name: string; index: number }[] = [];
  const labels: { name: string; index: number }[] = [];
  const usedNames = new Set<string>();
  // The reader has trimmed unquoted names already; a quoted name keeps its spaces, as it was
  // written (the studio's export quotes names that start or end with one).
  header.forEach((name, index) => {
    if (taken.has(index) || name.trim() === '' || usedNames.has(name)) return;
    if (IDENTIFIER_NAMES.has(normaliseName(name))) return;
    if (isNumericColumn(rows, index)) values.push({ name, index });
    // Words in every row are a label to learn; words in some rows only (a note) are left alone.
    else if (rows.every((row) => (row[index] ?? '').trim() !== '')) labels.push({ name, index });
    else return;
    usedNames.add(name);
  });
  return {
    path,
    ...(className !== undefined ? { className } : {}),
    ...mapColumns,
    ...(box ? { box } : {}),
    ...(split !== undefined ? { split } : {}),
    ...(width !== undefined ? { width } : {}),
    ...(height !== undefined ? { height } : {}),
    ...(ignore !== undefined ? { ignore } : {}),
    ...(labelList !== undefined ? { labelList } : {}),
    values,
    labels,
    attributes,
  };
}

/**
 * The header's most frequent candidate: Excel in many locales writes ';', some tools a tab.
 * Quoted text is skipped, so a column named 'a;b;c' (or one holding a line break) does not decide.
 */
export function sniffDelimiter(text: string): string {
  const counts = new Map([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '\n' || c === '\r') break;
    else {
      const count = counts.get(c);
      if (count !== undefined) counts.set(c, count + 1);
    }
  }
  let best = ',';
  let bestCount = 0;
  for (const [candidate, count] of counts) {
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}
