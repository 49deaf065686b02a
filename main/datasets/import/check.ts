/**
 * The check pass: opens every image of an index (does it exist, does it decode, how large is
 * it), turns boxes into fractions of the image, repairs or drops bad boxes, picks the one object
 * a single-object head learns, and splits the images. What it drops or repairs it reports.
 */
import type { DatasetTarget } from '../../../core/dataset-target.ts';
import {
  MAX_OBJECTS,
  readObjectRows,
  writeObjectRows,
} from '../../../core/detection/object-rows.ts';
import type { SplitName } from '../types.ts';
import { badRow, capitalise, compareText, mapLimit } from './files.ts';
import { checkMaps, type MapTarget } from './check-masks.ts';
import { datasetFolderOf, imageRef, probeImage, type Probe } from './probe-image.ts';
import { assignSplits, splitSettings } from './split.ts';
import {
  hasMaps,
  type BadRow,
  type CheckedDataset,
  type ImportedIndex,
  type ImportedObject,
  type ImportedRecord,
  type ImportOptions,
  type ObjectChoice,
  type Sample,
  type SampleObject,
  type UnitBox,
} from './types.ts';

/** Images opened at once: enough to keep sharp's threads and the disk busy on a small machine. */
export const CHECK_CONCURRENCY = 6;
/**
 * A box may overshoot an edge by this much of a pixel without a word: normalised coordinates
 * rounded when written (YOLO's five or six decimals, a centre and a size each rounded) land a
 * hair past the edge they were drawn to, and clipping them changes nothing anyone can see.
 */
const EDGE_TOLERANCE_PX = 0.5;
/** Progress is reported at most this often, and once at the end. */
const PROGRESS_INTERVAL_MS = 125;

const round = (n: number): number => Number(n.toFixed(2));

interface Size {
  readonly width: number;
  readonly height: number;
}

/** An object's box as fractions of the image, whether the reader gave pixels or fractions. */
function unitBoxOf(object: ImportedObject, size: Size): UnitBox | undefined {
  if (object.unitBox) return object.unitBox;
  if (!object.box) return undefined;
  const [xmin, ymin, xmax, ymax] = object.box;
  return [xmin / size.width, ymin / size.height, xmax / size.width, ymax / size.height];
}

const boxText = (box: UnitBox, size: Size): string =>
  `[${[box[0] * size.width, box[1] * size.height, box[2] * size.width, box[3] * size.height].map(round).join(', ')}]`;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

type BoxCheck = { readonly box: UnitBox; readonly bad?: BadRow } | { readonly bad: BadRow };

/** Clips a box reaching past the image; drops one with no area or wholly outside it. */
function checkBox(box: UnitBox, size: Size, where: string, key: string): BoxCheck {
  const [xmin, ymin, xmax, ymax] = box;
  const shown = `The box ${boxText(box, size)} of '${key}' in ${where}`;
  const pixels = `${size.width}×${size.height}`;
  if (!(xmax > xmin && ymax > ymin)) {
    return {
      bad: badRow(
        'box-empty',
        where,
        `${shown} has no area; the object was skipped.`,
        'dropped',
        key,
      ),
    };
  }
  const clipped: UnitBox = [clamp01(xmin), clamp01(ymin), clamp01(xmax), clamp01(ymax)];
  if (!(clipped[2] > clipped[0] && clipped[3] > clipped[1])) {
    return {
      bad: badRow(
        'box-outside',
        where,
        `${shown} lies wholly outside the ${pixels} image; the object was skipped.`,
        'dropped',
        key,
      ),
    };
  }
  const overshoot = Math.max(
    -xmin * size.width,
    -ymin * size.height,
    (xmax - 1) * size.width,
    (ymax - 1) * size.height,
  );
  if (overshoot <= EDGE_TOLERANCE_PX) return { box: clipped };
  return {
    box: clipped,
    bad: badRow(
      'box-clipped',
      where,
      `${shown} reaches outside the ${pixels} image; clipped to the image.`,
      'fixed',
      key,
    ),
  };
}

const area = (box: UnitBox): number => (box[2] - box[0]) * (box[3] - box[1]);

interface Checked {
  readonly sample?: Omit<Sample, 'split'>;
  readonly badRows: readonly BadRow[];
  readonly multiObject: boolean;
  /** Objects past MAX_OBJECTS that the objects target leaves out. */
  readonly objectsLeftOut?: number;
  /** Set for a background image; whether it had no label file (YOLO). */
  readonly background?: { readonly noLabelFile: boolean };
}

interface Usable {
  readonly classIndex: number;
  readonly box?: UnitBox;
  readonly ignore: boolean;
}

/**
 * The objects a head can learn from: a known class and, when the dataset has boxes, a box with
 * area inside the image. Unknown classes, bad boxes and repeated objects are reported.
 */
function usableObjects(
  record: ImportedRecord,
  size: Size,
  index: ImportedIndex,
  classIndexOf: ReadonlyMap<string, number>,
  badRows: BadRow[],
): Usable[] {
  const eligible: Usable[] = [];
  const seen = new Set<string>();
  for (const object of record.objects) {
    const where = object.where ?? record.where;
    const classIndex = classIndexOf.get(object.className);
    if (classIndex === undefined) {
      badRows.push(
        badRow(
          'unknown-class',
          where,
          `${capitalise(where)} gives '${record.key}' the class '${object.className}', which is not one of the dataset's ${index.classes.length} classes; the object was skipped.`,
          'dropped',
          record.key,
        ),
      );
      continue;
    }
    const given = unitBoxOf(object, size);
    let box: UnitBox | undefined;
    if (given) {
      const checked = checkBox(given, size, where, record.key);
      if (checked.bad) badRows.push(checked.bad);
      if (!('box' in checked)) continue;
      box = checked.box;
    }
    const identity = `${classIndex}:${box?.join(',') ?? ''}`;
    if (seen.has(identity)) {
      badRows.push(
        badRow(
          'duplicate',
          where,
          `${capitalise(where)} repeats an earlier '${object.className}' object of '${record.key}'; the copy was skipped.`,
          'dropped',
          record.key,
        ),
      );
      continue;
    }
    seen.add(identity);
    if (index.hasBoxes && !box) continue;
    eligible.push({ classIndex, ...(box ? { box } : {}), ignore: object.ignore === true });
  }
  return eligible;
}

/**
 * 'largest' by area (the first of equals), or 'first' in the annotation's order; never an ignored
 * object (a crowd or a difficult one), which no head should learn as the image's one object.
 */
function chooseObject(all: readonly Usable[], choice: ObjectChoice): Usable | undefined {
  const eligible = all.filter((o) => !o.ignore);
  if (choice === 'first') return eligible[0];
  return eligible.reduce<Usable | undefined>(
    (best, o) => (!best || (o.box && best.box && area(o.box) > area(best.box)) ? o : best),
    undefined,
  );
}

/**
 * An image of a dataset with boxes whose annotation gives no object, or only ignored ones (COCO
 * images without annotations, an empty or missing YOLO label file, a VOC file without <object>,
 * a CSV row with a blank class and box): a background image, which a detection head learns from
 * (COCO keeps about 1% of its images so; YOLO's empty label files are its way to add them). An
 * image whose every object was unusable is not one: it had objects, now unknown.
 */
function isBackgroundRecord(
  record: ImportedRecord,
  eligible: readonly Usable[],
  index: ImportedIndex,
): boolean {
  if (!index.hasBoxes || eligible.some((o) => !o.ignore)) return false;
  return record.objects.length === 0 || eligible.length > 0;
}

/** Everything about one record once its image is probed: its sample, or why it has none. */
function checkRecord(
  record: ImportedRecord,
  probe: Probe,
  index: ImportedIndex,
  classIndexOf: ReadonlyMap<string, number>,
  choice: ObjectChoice,
): Checked {
  if (!probe.ok) return { badRows: [probe.bad], multiObject: false };
  const badRows: BadRow[] = [];
  const size = { width: probe.width, height: probe.height };
  const { width: statedWidth, height: statedHeight } = record;
  const stated = statedWidth !== undefined && statedHeight !== undefined;
  if (stated && (statedWidth !== size.width || statedHeight !== size.height)) {
    badRows.push(
      badRow(
        'size-mismatch',
        record.where,
        `${capitalise(imageRef(record))} is ${size.width}×${size.height} pixels but the annotation says ${statedWidth}×${statedHeight}; the file's size was used.`,
        'fixed',
        record.key,
      ),
    );
  }

  const eligible = usableObjects(record, size, index, classIndexOf, badRows);
  // A dense layout's image has maps (a mask, depth) instead of a class.
  const chosen: Usable | { readonly classIndex: number; readonly box?: undefined } | undefined =
    chooseObject(eligible, choice) ??
    (hasMaps(index) && index.classes.length === 0 ? { classIndex: -1 } : undefined) ??
    (isBackgroundRecord(record, eligible, index) ? { classIndex: -1 } : undefined);
  if (!chosen) {
    // With boxes, an image without objects or with only ignored ones is a background image.
    const reason =
      record.objects.length === 0
        ? 'has no objects'
        : eligible.length > 0
          ? 'has only ignored objects (crowds or difficult ones)'
          : index.hasBoxes
            ? 'has no object left with a class and a usable box'
            : 'has no object left with a known class';
    badRows.push(
      badRow(
        'no-objects',
        record.where,
        `${capitalise(imageRef(record))} ${reason}; the image was skipped.`,
        'dropped',
        record.key,
      ),
    );
    return { badRows, multiObject: false };
  }
  const missingValue = index.valueColumns.find((c) => !Number.isFinite(record.values[c]));
  if (missingValue !== undefined) {
    badRows.push(
      badRow(
        'not-a-number',
        record.where,
        `${capitalise(imageRef(record))} has no number in column '${missingValue}'; the image was skipped.`,
        'dropped',
        record.key,
      ),
    );
    return { badRows, multiObject: false };
  }
  const every: SampleObject[] = eligible.flatMap((o) =>
    o.box ? [{ classIndex: o.classIndex, box: o.box, ignore: o.ignore }] : [],
  );
  const background = index.hasBoxes && chosen.box === undefined;
  // Past the limit, the rows' own choice (the largest non-ignored) decides which are kept.
  const objects = every.length > MAX_OBJECTS ? readObjectRows(writeObjectRows(every).rows) : every;
  return {
    badRows,
    multiObject: eligible.length > 1,
    objectsLeftOut: every.length - objects.length,
    ...(background ? { background: { noLabelFile: record.noLabelFile === true } } : {}),
    sample: {
      key: record.key,
      file: record.file,
      width: size.width,
      height: size.height,
      classIndex: chosen.classIndex,
      ...(index.labelTasks?.length ? { labels: labelIndices(record, index) } : {}),
      ...(chosen.box ? { box: chosen.box } : {}),
      ...(index.hasBoxes ? { objects } : {}),
      values: record.values,
      ...(record.mask !== undefined ? { mask: record.mask } : {}),
      ...(record.depth !== undefined ? { depth: record.depth } : {}),
      ...(record.normals !== undefined ? { normals: record.normals } : {}),
    },
  };
}

/** Each further label column's class index for a record, by column (the classes are the data's). */
function labelIndices(record: ImportedRecord, index: ImportedIndex): Record<string, number> {
  return Object.fromEntries(
    (index.labelTasks ?? []).map((t) => [t.name, t.classes.indexOf(record.labels?.[t.name] ?? '')]),
  );
}

/** The targets the data offers, named as the built-in datasets name theirs. */
export function targetsOf(index: ImportedIndex, maps: readonly MapTarget[] = []): DatasetTarget[] {
  if (index.targets) return [...index.targets];
  const targets: DatasetTarget[] =
    hasMaps(index) && index.classes.length === 0
      ? []
      : [{ name: 'class', kind: 'class', classes: index.classes }];
  targets.push(...maps);
  for (const t of index.labelTasks ?? []) {
    if (t.name !== 'class') targets.push({ name: t.name, kind: 'class', classes: t.classes });
  }
  if (index.attributes) {
    targets.push({
      name: index.attributes.name,
      kind: 'attributes',
      attributes: index.attributes.names,
    });
  }
  if (index.hasBoxes) {
    // The box is the chosen object for a single-box head; objects are all of them, for detection.
    targets.push({ name: 'box', kind: 'box' });
    targets.push({ name: 'objects', kind: 'objects', classes: index.classes });
  }
  const taken = new Set(['class', 'box', 'objects', 'values', ...targets.map((t) => t.name)]);
  for (const column of index.valueColumns) {
    // A column called 'box' or 'objects' must not shadow the targets of that name.
    const name = taken.has(column) ? `${column} (value)` : column;
    targets.push({ name, kind: 'numeric', columns: [column] });
  }
  if (index.valueColumns.length >= 2) {
    targets.push({ name: 'values', kind: 'numeric', columns: index.valueColumns });
  }
  return targets;
}

/** Reports progress at most every PROGRESS_INTERVAL_MS, and always the last step. */
function throttle(report: ((done: number, total: number) => void) | undefined) {
  let last = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (!report || (done < total && now - last < PROGRESS_INTERVAL_MS)) return;
    last = now;
    report(done, total);
  };
}

/**
 * Checks every record of an index against its image and splits the good ones. Bad rows come in
 * the index's order, the reader's first; samples in each split are in key order.
 */
export async function checkIndex(
  index: ImportedIndex,
  options: ImportOptions = {},
  onProgress?: (checked: number, total: number) => void,
): Promise<CheckedDataset> {
  const { fractions, seed } = splitSettings(options);
  const objectChoice = options.objectChoice ?? 'largest';
  const classIndexOf = new Map(index.classes.map((name, i) => [name, i]));
  const progress = throttle(onProgress);
  const folder = await datasetFolderOf(index);
  let done = 0;
  const results = await mapLimit(index.records, CHECK_CONCURRENCY, async (record) => {
    const checked = checkRecord(
      record,
      await probeImage(record, folder),
      index,
      classIndexOf,
      objectChoice,
    );
    done += 1;
    progress(done, index.records.length);
    return { record, checked };
  });

  const checkedMasks = await checkMaps(
    results.flatMap(({ checked }) => (checked.sample ? [checked.sample] : [])),
    index,
    options,
  );
  const settled = new Map(checkedMasks.samples.map((s) => [s.key, s]));
  const kept = results.flatMap(({ record, checked }) =>
    checked.sample && !checkedMasks.dropped.has(checked.sample.key)
      ? [{ record, checked, sample: settled.get(checked.sample.key) ?? checked.sample }]
      : [],
  );
  const splitFrom = index.records.some((r) => r.split !== undefined) ? 'data' : 'ratio';
  const splits: SplitName[] =
    splitFrom === 'data'
      ? kept.map(({ record }) => record.split ?? 'train')
      : assignSplits(
          kept.map(({ sample }) => sample),
          fractions,
          seed,
        );
  const samples: Record<SplitName, Sample[]> = { train: [], validation: [], test: [] };
  kept.forEach(({ sample }, i) => {
    const split = splits[i] ?? 'train';
    samples[split].push({ ...sample, split });
  });
  for (const list of Object.values(samples)) list.sort((a, b) => compareText(a.key, b.key));
  const crowded = results.filter(({ checked }) => (checked.objectsLeftOut ?? 0) > 0);
  const background = kept.flatMap(({ checked }) =>
    checked.background ? [checked.background] : [],
  );

  return {
    index: checkedMasks.index,
    targets: targetsOf(checkedMasks.index, checkedMasks.targets),
    samples,
    badRows: [
      ...index.badRows,
      ...results.flatMap(({ checked }) => checked.badRows),
      ...checkedMasks.badRows,
    ],
    objectChoice,
    multiObjectImages: results.filter(({ checked }) => checked.sample && checked.multiObject)
      .length,
    ...(crowded.length > 0
      ? {
          crowdedImages: {
            images: crowded.length,
            objectsLeftOut: crowded.reduce(
              (sum, { checked }) => sum + (checked.objectsLeftOut ?? 0),
              0,
            ),
          },
        }
      : {}),
    ...(background.length > 0
      ? {
          backgroundImages: {
            images: background.length,
            noLabelFile: background.filter((b) => b.noLabelFile).length,
          },
        }
      : {}),
    splitFrom,
  };
}
