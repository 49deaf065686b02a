/**
 * A user's own images as a dataset: read the index in its format, check every row and image,
 * then stream decoded batches. What the command line, the hosts and the training process call.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetReport } from '../../../core/contract/training.ts';
import type { DatasetOptions } from '../../../core/graph/schema.ts';
import { StudioError } from '../../../core/problems.ts';
import { targetAtImageSize } from '../../../core/tasks/registry.ts';
import type { DatasetTarget, ImageShape, SplitName, TrainingData } from '../types.ts';
import { checkIndex } from './check.ts';
import { readIndex } from './detect.ts';
import { createImportedData } from './reader.ts';
import {
  isBackground,
  PRIMARY_CLASS,
  type BadRow,
  type BadRowKind,
  type CheckedDataset,
  type ImportOptions,
  type Sample,
} from './types.ts';

export type { CheckedDataset } from './types.ts';

/** "smiling, glasses" → ['smiling', 'glasses']. */
export const attributeColumns = (text: string): string[] =>
  text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);

/** The graph's dataset options as the import pipeline takes them. */
export function importOptionsOf(options: DatasetOptions | undefined, seed: number): ImportOptions {
  if (!options) return { seed };
  return {
    ...(options.format ? { format: options.format } : {}),
    boxUnits: options.boxUnits,
    objectChoice: options.objectChoice,
    resize: options.resize,
    validationFraction: options.validationFraction,
    testFraction: options.testFraction,
    seed,
    onBadRows: options.onBadRows,
    augment: options.augment,
    cache: options.cache,
    ...(options.attributes ? { attributes: attributeColumns(options.attributes) } : {}),
    ...(options.depthScale !== undefined ? { depthScale: options.depthScale } : {}),
  };
}

/** Reads and checks a dataset at `path`: the index, every image, the split, the report. */
export async function inspectDataset(
  path: string,
  options: ImportOptions,
): Promise<CheckedDataset> {
  const index = await readIndex(path, options);
  return checkIndex(index, options);
}

/** What a run records about its imported data: plain JSON for the run folder and the events. */
export type ImportedDatasetReport = DatasetReport;

export function reportOf(
  checked: CheckedDataset,
  sizes: Record<SplitName, number>,
  background: 'kept' | 'left-out' = 'kept',
): ImportedDatasetReport {
  const badRows: Partial<Record<BadRowKind, number>> = {};
  for (const row of checked.badRows) badRows[row.kind] = (badRows[row.kind] ?? 0) + 1;
  return {
    format: checked.index.format,
    source: checked.index.source,
    splitFrom: checked.splitFrom,
    sizes,
    badRows,
    dropped: checked.badRows.filter((r) => r.action === 'dropped').length,
    fixed: checked.badRows.filter((r) => r.action === 'fixed').length,
    firstMessages: checked.badRows.slice(0, 5).map((r) => r.message),
    objectChoice: checked.objectChoice,
    multiObjectImages: checked.multiObjectImages,
    ...(checked.backgroundImages
      ? { background: { ...checked.backgroundImages, kept: background === 'kept' } }
      : {}),
  };
}

/**
 * Whether learning `learned` (target names) leaves background images out: the image's class
 * and the box are its chosen object's, which an image without objects does not have.
 */
export function needsAnObject(checked: CheckedDataset, learned: readonly string[]): boolean {
  return checked.targets.some(
    (t) =>
      learned.includes(t.name) &&
      (t.kind === 'box' || (t.kind === 'class' && t.name === PRIMARY_CLASS)),
  );
}

/** The samples without background images (see `isBackground`). */
export function withoutBackground(
  samples: CheckedDataset['samples'],
): Record<SplitName, readonly Sample[]> {
  const keep = (list: readonly Sample[]) => list.filter((s) => !isBackground(s));
  return {
    train: keep(samples.train),
    validation: keep(samples.validation),
    test: keep(samples.test),
  };
}

/** The first `limit` samples in all, shared among the splits as the data shares them. */
export function limitSamples(
  samples: CheckedDataset['samples'],
  limit: number,
): Record<SplitName, readonly Sample[]> {
  const total = samples.train.length + samples.validation.length + samples.test.length;
  if (limit >= total) return { ...samples };
  const share = (n: number) => Math.max(n > 0 ? 1 : 0, Math.floor((n * limit) / total));
  const validation = share(samples.validation.length);
  const test = share(samples.test.length);
  return {
    train: samples.train.slice(0, Math.max(1, limit - validation - test)),
    validation: samples.validation.slice(0, validation),
    test: samples.test.slice(0, test),
  };
}

const badRowSentence = (rows: readonly BadRow[]) => {
  const first = rows[0];
  const more = rows.length > 1 ? ` (and ${rows.length - 1} more problems)` : '';
  return first ? `${first.message}${more}` : '';
};

export interface OpenImportedOptions {
  readonly imageShape: ImageShape;
  readonly seed: number;
  readonly limit?: number;
  readonly options?: DatasetOptions;
  /** Throws a sentence when the graph's heads cannot learn these targets. */
  readonly checkTargets?: (targets: readonly DatasetTarget[]) => void;
  /**
   * The targets the graph's heads learn, by name. When one is the class or box of an image's
   * chosen object, background images (no objects) are left out, having no label for it; absent,
   * every image is read (an export).
   */
  readonly learnedTargets?: readonly string[];
}

/**
 * Opens an imported dataset for training: checks it, applies the bad-row policy (stop: the run
 * ends before training with the first bad row's sentence), checks the heads' targets, leaves
 * background images out when a head learns an image's one class or box, and returns readers
 * that decode batches as the trainer asks for them.
 */
export async function openImportedDataset(
  path: string,
  request: OpenImportedOptions,
): Promise<{ data: TrainingData; report: ImportedDatasetReport; checked: CheckedDataset }> {
  const options = importOptionsOf(request.options, request.seed);
  const checked = await inspectDataset(path, options);
  if (options.onBadRows === 'stop' && checked.badRows.length > 0) {
    throw new StudioError(
      'E_DATASET_BAD_ROWS',
      `Training did not start because the dataset has ${checked.badRows.length} bad rows or images (choose to skip them to train on the rest): ${badRowSentence(checked.badRows)}`,
    );
  }
  // A map target is fitted to the Input as the images are, so the heads are checked at that size.
  const [height, width] = request.imageShape;
  request.checkTargets?.(checked.targets.map((t) => targetAtImageSize(t, height, width)));
  const background =
    request.learnedTargets && needsAnObject(checked, request.learnedTargets) ? 'left-out' : 'kept';
  const usable = background === 'kept' ? checked.samples : withoutBackground(checked.samples);
  const samples = request.limit !== undefined ? limitSamples(usable, request.limit) : usable;
  if (samples.train.length === 0) {
    throw new StudioError(
      'E_DATASET_EMPTY',
      `The dataset at ${path} has no usable training images after the check${checked.badRows.length > 0 ? `: ${badRowSentence(checked.badRows)}` : '.'}`,
    );
  }
  const limited: CheckedDataset = { ...checked, samples };
  const data = createImportedData(limited, {
    imageShape: request.imageShape,
    resize: options.resize ?? 'letterbox',
    ...(options.augment ? { augment: options.augment } : {}),
    cache: options.cache ?? true,
    // Images beyond the cache's memory budget spill to a folder of their own, removed on close.
    cacheDir: join(tmpdir(), 'multitask-studio-cache'),
    seed: request.seed,
  });
  const sizes = {
    train: samples.train.length,
    validation: samples.validation.length,
    test: samples.test.length,
  };
  return { data, report: reportOf(checked, sizes, background), checked: limited };
}
