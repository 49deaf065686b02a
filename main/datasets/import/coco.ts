/**
 * The COCO reader: one JSON file with `images`, `annotations` (bbox as [x, y, width, height] in
 * pixels) and `categories`. Images lie beside the JSON file or in an `images/` folder beside it.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { IGNORE_CLASS } from '../../../core/tasks/map-metrics.ts';
import { DatasetError } from '../errors.ts';
import { hasSegmentation, maskShapeOf } from './coco-masks.ts';
import type { SplitName } from '../types.ts';
import {
  badRow,
  capitalise,
  compareText,
  errorReason,
  notANumberWhy,
  parseNumber,
  pathKind,
  readTextFile,
  toKey,
} from './files.ts';
import type {
  BadRow,
  ImportedIndex,
  ImportedObject,
  ImportedRecord,
  ImportOptions,
  MaskShape,
  PixelBox,
} from './types.ts';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An id as COCO writes it: a number, though some tools write strings; both are accepted. */
const idOf = (value: unknown): string | undefined =>
  typeof value === 'number' || (typeof value === 'string' && value !== '')
    ? String(value)
    : undefined;

const positive = (value: unknown): number | undefined => {
  const n = parseNumber(typeof value === 'number' || typeof value === 'string' ? value : undefined);
  return n !== undefined && n > 0 ? n : undefined;
};

function parseJson(text: string, fileName: string): Json {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(
      'E_DATASET_UNREADABLE',
      `${fileName} is not valid JSON: ${errorReason(error)}.`,
    );
  }
  if (!isObject(data) || !Array.isArray(data.images)) {
    throw new DatasetError(
      'E_DATASET_FORMAT',
      `${fileName} is not a COCO annotation file: it has no 'images' list.`,
    );
  }
  if (
    Array.isArray(data.annotations) &&
    data.annotations.length > 0 &&
    !Array.isArray(data.categories)
  ) {
    throw new DatasetError(
      'E_DATASET_FORMAT',
      `${fileName} has annotations but no 'categories' list to name their classes.`,
    );
  }
  return data;
}

/**
 * Class names in the order of their category ids; two ids of one name share its class. One id
 * given two names makes every annotation of it ambiguous, so the file is refused; the same id
 * and name twice is a harmless repeat, reported and skipped. Names are kept as written (JSON
 * quotes them, so a space is meant), blank ones refused.
 */
function readCategories(categories: readonly unknown[], fileName: string, badRows: BadRow[]) {
  const entries: { id: string; order: number; name: string }[] = [];
  const byId = new Map<string, { name: string; position: number }>();
  categories.forEach((category, i) => {
    const id = isObject(category) ? idOf(category.id) : undefined;
    const name = isObject(category) && typeof category.name === 'string' ? category.name : '';
    const where = `${fileName} category ${i + 1}`;
    if (!isObject(category) || id === undefined || name.trim() === '') {
      badRows.push(
        badRow('malformed', where, `${capitalise(where)} lacks an id or a name; it was skipped.`),
      );
      return;
    }
    const earlier = byId.get(id);
    if (earlier && earlier.name !== name) {
      throw new DatasetError(
        'E_DATASET_FORMAT',
        `${fileName} gives category id ${id} two names, '${earlier.name}' (category ${earlier.position}) and '${name}' (category ${i + 1}), so its annotations' class is ambiguous; give each category its own id.`,
      );
    }
    if (earlier) {
      badRows.push(
        badRow(
          'duplicate',
          where,
          `${capitalise(where)} repeats category id ${id} ('${name}') of category ${earlier.position}; the repeat was skipped.`,
        ),
      );
      return;
    }
    byId.set(id, { name, position: i + 1 });
    entries.push({ id, order: Number(category.id), name });
  });
  entries.sort((a, b) => a.order - b.order || compareText(a.id, b.id));
  const classes = [...new Set(entries.map((e) => e.name))];
  return { classes, nameOfId: new Map(entries.map((e) => [e.id, e.name])) };
}

/**
 * The folder the images lie in: beside the JSON file, or an `images/` folder beside it when the
 * first images are not found beside it. A sample decides, so a large file costs few look-ups.
 */
async function findImageRoot(folder: string, fileNames: readonly string[]): Promise<string> {
  const sample = fileNames.slice(0, 32);
  const found = async (root: string) => {
    for (const name of sample) if ((await pathKind(join(root, name))) === 'file') return true;
    return false;
  };
  if (sample.length === 0 || (await found(folder))) return folder;
  const images = join(folder, 'images');
  return (await found(images)) ? images : folder;
}

function readBbox(
  value: unknown,
  where: string,
  skipped = 'the annotation was skipped',
): { box: PixelBox } | { bad: BadRow } {
  if (!Array.isArray(value) || value.length !== 4) {
    const bad = badRow(
      'malformed',
      where,
      `${capitalise(where)} has no bbox of four numbers [x, y, width, height]; ${skipped}.`,
    );
    return { bad };
  }
  const numbers = value.map((v: unknown) =>
    typeof v === 'number' ? parseNumber(v) : parseNumber(String(v)),
  );
  const wrong = numbers.findIndex((n) => n === undefined);
  if (wrong >= 0) {
    const cell: unknown = value[wrong];
    // JSON reads 1e999 as Infinity, which JSON.stringify would show as null.
    const shown =
      typeof cell === 'number'
        ? `a bbox value too large to be a finite number`
        : `${JSON.stringify(cell)} in its bbox, ${typeof cell === 'string' ? notANumberWhy(cell) : 'which is not a number'}`;
    const bad = badRow('not-a-number', where, `${capitalise(where)} has ${shown}; ${skipped}.`);
    return { bad };
  }
  const [x = 0, y = 0, w = 0, h = 0] = numbers as number[];
  return { box: [x, y, x + w, y + h] };
}

/**
 * An image's `split` field, which COCO lacks and the studio's COCO export writes: the split it
 * was in, so a dataset exported and imported again keeps its splits. Other values are not one.
 */
const splitOf = (value: unknown): SplitName | undefined =>
  value === 'train' || value === 'validation' || value === 'test' ? value : undefined;

interface Draft {
  readonly record: ImportedRecord;
  readonly objects: ImportedObject[];
  readonly shapes: MaskShape[];
}

/** Reads a COCO annotation file; entries it cannot use become bad rows. */
export async function readCoco(path: string, _options: ImportOptions = {}): Promise<ImportedIndex> {
  const source = resolve(path);
  const fileName = basename(source);
  const data = parseJson(await readTextFile(source), fileName);
  const badRows: BadRow[] = [];
  const { classes, nameOfId } = readCategories(
    Array.isArray(data.categories) ? data.categories : [],
    fileName,
    badRows,
  );

  const annotations = Array.isArray(data.annotations) ? data.annotations : [];
  // One object's segmentation makes it a segmentation file, whose images all get a mask drawn
  // from their shapes; a crowd's RLE alone does not (detection files keep those too).
  const segmented = annotations.some(
    (a: unknown) =>
      isObject(a) && a.iscrowd !== 1 && a.iscrowd !== true && hasSegmentation(a.segmentation),
  );
  const images = data.images as unknown[];
  const validImages: { id: string; name: string; entry: Json; where: string }[] = [];
  const seenIds = new Set<string>();
  const seenNames = new Map<string, string>();
  images.forEach((entry, i) => {
    const id = isObject(entry) ? idOf(entry.id) : undefined;
    const where = `${fileName} image ${id ?? `entry ${i + 1}`}`;
    const name = isObject(entry) && typeof entry.file_name === 'string' ? entry.file_name : '';
    if (!isObject(entry) || id === undefined || name === '') {
      badRows.push(
        badRow(
          'malformed',
          where,
          `${capitalise(where)} lacks an id or a file_name; it was skipped.`,
        ),
      );
      return;
    }
    const earlier = seenIds.has(id) ? id : seenNames.get(name);
    if (earlier !== undefined) {
      badRows.push(
        badRow(
          'duplicate',
          where,
          `${capitalise(where)} repeats image ${earlier} ('${name}'); the repeat was skipped.`,
        ),
      );
      return;
    }
    seenIds.add(id);
    seenNames.set(name, id);
    validImages.push({ id, name: name.replace(/\\/g, '/'), entry, where });
  });

  const root = await findImageRoot(
    dirname(source),
    validImages.map((image) => image.name),
  );
  const drafts = new Map<string, Draft>();
  for (const { id, name, entry, where } of validImages) {
    const file = resolve(root, name);
    const width = positive(entry.width);
    const height = positive(entry.height);
    const objects: ImportedObject[] = [];
    const shapes: MaskShape[] = [];
    const split = splitOf(entry.split);
    const record: ImportedRecord = {
      key: toKey(root, file),
      file,
      objects,
      values: {},
      where,
      ...(split ? { split } : {}),
      ...(width !== undefined && height !== undefined ? { width, height } : {}),
      ...(segmented ? { mask: { from: fileName, shapes } } : {}),
    };
    drafts.set(id, { record, objects, shapes });
  }

  annotations.forEach((annotation: unknown, i) => {
    const id = isObject(annotation) ? idOf(annotation.id) : undefined;
    const where = `${fileName} annotation ${id ?? `entry ${i + 1}`}`;
    if (!isObject(annotation)) {
      badRows.push(
        badRow('malformed', where, `${capitalise(where)} is not an object; it was skipped.`),
      );
      return;
    }
    // A crowd region covers many instances at once: kept as an ignored object, as COCO's own
    // evaluation keeps it, so a detector is neither taught nor blamed there.
    const crowd = annotation.iscrowd === 1 || annotation.iscrowd === true;
    const imageId = idOf(annotation.image_id);
    const draft = imageId === undefined ? undefined : drafts.get(imageId);
    if (!draft) {
      badRows.push(
        badRow(
          'malformed',
          where,
          `${capitalise(where)} is for image ${imageId ?? '(none given)'}, which ${fileName} does not list; the annotation was skipped.`,
        ),
      );
      return;
    }
    const key = draft.record.key;
    const { width, height } = draft.record;
    const stated = width !== undefined && height !== undefined ? { width, height } : undefined;
    const categoryId = idOf(annotation.category_id);
    const className = categoryId === undefined ? undefined : nameOfId.get(categoryId);
    if (className === undefined) {
      // Its pixels are of no known class, so the mask ignores them rather than call them background.
      if (segmented)
        draft.shapes.push(maskShapeOf(annotation, IGNORE_CLASS, where, key, stated).shape);
      badRows.push(
        badRow(
          'unknown-class',
          where,
          `${capitalise(where)} of '${key}' has category_id ${categoryId ?? '(none)'}, which is not among the categories; the annotation was skipped${segmented ? ' and its pixels are ignored in the mask (255)' : ''}.`,
          'dropped',
          key,
        ),
      );
      return;
    }
    const value = crowd ? IGNORE_CLASS : classes.indexOf(className) + 1;
    const drawn = segmented ? maskShapeOf(annotation, value, where, key, stated) : undefined;
    if (drawn) draft.shapes.push(drawn.shape);
    if (drawn?.fixed) {
      badRows.push(badRow(drawn.fixed.kind, where, drawn.fixed.message, 'fixed', key));
    }
    if (crowd && annotation.bbox === undefined) {
      // A crowd given only as a segmentation (RLE) is read by its bbox, which this one lacks.
      const told = drawn?.shape.parts.length
        ? 'its region is ignored in the mask, but the box and objects targets, which read crowds by their bbox, leave it out'
        : 'the studio reads crowds by their bbox, so it was skipped';
      badRows.push(
        badRow(
          'malformed',
          where,
          `${capitalise(where)} of '${key}' is a crowd with a segmentation but no bbox; ${told}.`,
          'dropped',
          key,
        ),
      );
      return;
    }
    const skipped = drawn?.shape.parts.length
      ? 'its box was skipped; its shape is still drawn in the mask'
      : undefined;
    const bbox = readBbox(annotation.bbox, where, skipped);
    if ('bad' in bbox) {
      badRows.push({ ...bbox.bad, key });
      return;
    }
    draft.objects.push({ className, box: bbox.box, where, ...(crowd ? { ignore: true } : {}) });
  });

  return {
    format: 'coco',
    root,
    source,
    classes,
    hasBoxes: true,
    valueColumns: [],
    records: [...drafts.values()].map((d) => d.record),
    badRows,
    // Class 0 of a COCO mask is what no annotation covers; the categories follow in order.
    ...(segmented ? { masks: { classes: ['background', ...classes] } } : {}),
  };
}
