import { backgroundLine, objectsLine } from '../../../core/detection/objects-line.ts';
import { targetSummary } from '../../../core/tasks/registry.ts';
import type { DatasetInfo, DatasetSummary } from '../../../core/contract/host.ts';
import type { DatasetOptions } from '../../../core/graph/schema.ts';

const FORMAT_NAMES: Record<string, string> = {
  csv: 'CSV',
  coco: 'COCO',
  yolo: 'YOLO',
  voc: 'Pascal VOC',
  folder: 'Image folders',
};

export const formatName = (format: string): string => FORMAT_NAMES[format] ?? format;

const plural = (n: number, word: string) =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** "24 train / 3 validation / 3 test (30 images)". */
export function imagesText({ images }: Pick<DatasetSummary, 'images'>): string {
  const total = images.train + images.validation + images.test;
  return `${images.train} train / ${images.validation} validation / ${images.test} test (${plural(total, 'image')})`;
}

/** How the images were shared out among the splits. */
export function splitText(
  summary: Pick<DatasetSummary, 'splitFrom'>,
  options: DatasetOptions,
): string {
  return summary.splitFrom === 'data'
    ? 'Split as the data itself says.'
    : `Split by the seed, class by class: ${percent(options.validationFraction)} validation, ${percent(options.testFraction)} test (the data names no split).`;
}

/**
 * Which object the single-object heads learn, how many images have several, and what the
 * objects target keeps for a detection head.
 */
export function objectText(
  summary: Pick<DatasetSummary, 'objectChoice' | 'multiObjectImages'> &
    Partial<Pick<DatasetSummary, 'objects'>>,
): string {
  const which =
    summary.objectChoice === 'first' ? 'the first object' : `the ${summary.objectChoice} object`;
  const single =
    summary.multiObjectImages === 0
      ? `One object per image; heads learn ${which} of each.`
      : `${plural(summary.multiObjectImages, 'image')} with several objects; heads learn ${which} of each.`;
  if (summary.objects && summary.multiObjectImages > 0) {
    return `${single.slice(0, -1).replace('heads learn', 'a box head learns')}; ${objectsLine(summary.objects)}`;
  }
  const background = summary.objects?.background ?? 0;
  return background > 0
    ? `${single} ${backgroundLine({ images: background, noLabelFile: summary.objects?.noLabelFile ?? 0 })}`
    : single;
}

/**
 * Classes no image teaches, said rather than listed as if nothing were wrong: where images hold
 * several objects, a class can occur only on objects the heads do not learn. The class stays an
 * output of the head (its index is the dataset's), with nothing to learn it from.
 */
export function unlearnedClassesText(
  summary: Pick<DatasetSummary, 'classes' | 'objectChoice' | 'multiObjectImages'>,
): string | undefined {
  const missing = summary.classes
    .filter((c) => c.train + c.validation + c.test === 0)
    .map((c) => `'${c.name}'`);
  if (missing.length === 0) return undefined;
  const one = missing.length === 1;
  const names = one ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`;
  const why =
    summary.multiObjectImages > 0
      ? `${one ? 'it occurs' : 'they occur'} only on objects the heads do not learn (they learn the ${summary.objectChoice} object of each image)`
      : `no label uses ${one ? 'it' : 'them'}`;
  return `No image teaches ${names}: ${why}; the class head keeps an output for ${one ? 'it' : 'them'} that nothing trains.`;
}

/** "pixels (detected)". */
export function boxUnitsText(summary: Pick<DatasetSummary, 'boxUnits'>): string | undefined {
  const units = summary.boxUnits;
  return units && `${units.units} (${units.how === 'stated' ? 'as the options say' : 'detected'})`;
}

/** "missing-file" → "Missing file". */
export const badRowKindName = (kind: string): string => {
  const words = kind.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** "1 bad row: 1 missing file", "No bad rows". */
export function badRowHeadline(counts: Readonly<Record<string, number>>, total: number): string {
  if (total === 0) return 'No bad rows: every row and image was read.';
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${badRowKindName(kind).toLowerCase()}`);
  return `${plural(total, 'bad row')}: ${parts.join(', ')}.`;
}

/** A share of the image side, as a whole percent. */
export const shareText = (value: number): string => percent(value);

/** The options in one line: "format auto · letterbox · 10% validation, 10% test · skip bad rows · no augmentation". */
export function optionsSummary(options: DatasetOptions): string {
  const { augment } = options;
  const augmenting = [
    augment.flip && 'flip',
    augment.shift > 0 && `shift ${percent(augment.shift)}`,
    augment.scale > 0 && `scale ${percent(augment.scale)}`,
    augment.brightness > 0 && `brightness ${percent(augment.brightness)}`,
    augment.contrast > 0 && `contrast ${percent(augment.contrast)}`,
  ].filter(Boolean);
  return [
    options.format ? formatName(options.format) : 'format detected',
    options.resize,
    `${percent(options.validationFraction)} validation, ${percent(options.testFraction)} test`,
    options.onBadRows === 'skip' ? 'skip bad rows' : 'stop at a bad row',
    augmenting.length ? `augment: ${augmenting.join(', ')}` : 'no augmentation',
  ].join(' · ');
}

/**
 * The targets a dataset offers the heads, by the names a head's Target takes:
 * "class (3 classes: cat, dog, fox) · box (a bounding box) · colour (3 values: r, g, b)".
 */
export function targetsText(targets: DatasetInfo['targets']): string {
  if (targets.length === 0) return 'none: no head can learn from it';
  return targets.map(targetSummary).join(' · ');
}
