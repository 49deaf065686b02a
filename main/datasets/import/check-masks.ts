/**
 * The check pass for segmentation layouts: every image's mask file is read once, must have the
 * image's size and only known classes (or 255), and the mask target is sized and named from them.
 * Masks drawn from COCO shapes were checked as the file was read and are not drawn here.
 */
import type { DatasetTarget } from '../../../core/dataset-target.ts';
import { badRow, errorReason, mapLimit, toKey } from './files.ts';
import { misfitShapes } from './coco-masks.ts';
import { largestClass, maskProblem, readMask } from './masks.ts';
import { CHECK_CONCURRENCY } from './check.ts';
import type { BadRow, ImportedIndex, Sample } from './types.ts';

export type MaskTarget = Extract<DatasetTarget, { kind: 'mask' }>;

export interface CheckedMasks {
  /** The index with its mask classes named. */
  readonly index: ImportedIndex;
  readonly target?: MaskTarget;
  /** Keys of the images whose masks do not fit. */
  readonly dropped: ReadonlySet<string>;
  readonly badRows: readonly BadRow[];
}

/** The size most images have, which the target states; others are fitted to the Input anyway. */
function commonSize(samples: readonly Omit<Sample, 'split'>[]): { height: number; width: number } {
  const counts = new Map<string, number>();
  let best = { height: 0, width: 0 };
  let bestCount = 0;
  for (const { width, height } of samples) {
    const key = `${width}x${height}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count > bestCount) [best, bestCount] = [{ height, width }, count];
  }
  return best;
}

export async function checkMasks(
  samples: readonly Omit<Sample, 'split'>[],
  index: ImportedIndex,
): Promise<CheckedMasks> {
  if (!index.masks) return { index, dropped: new Set(), badRows: [] };
  const named = index.masks.classes;
  const badRows: BadRow[] = [];
  const dropped = new Set<string>();
  const refuse = (
    sample: Omit<Sample, 'split'>,
    file: string,
    why: string,
    kind: BadRow['kind'],
  ) => {
    dropped.add(sample.key);
    badRows.push(
      badRow(
        kind,
        sample.key,
        `The mask '${toKey(index.source, file)}' of '${sample.key}' ${why}; the image was skipped.`,
        'dropped',
        sample.key,
      ),
    );
  };
  const largest = await mapLimit(samples, CHECK_CONCURRENCY, async (sample) => {
    const file = sample.mask;
    if (file === undefined) {
      dropped.add(sample.key);
      badRows.push(
        badRow(
          'missing-file',
          sample.key,
          `'${sample.key}' has no mask; the image was skipped.`,
          'dropped',
          sample.key,
        ),
      );
      return -1;
    }
    if (typeof file !== 'string') {
      // Drawn masks fit by construction; only an RLE sized unlike the image is ignored, and said.
      for (const { kind, message } of misfitShapes(file, sample.key, sample)) {
        badRows.push(badRow(kind, sample.key, message, 'fixed', sample.key));
      }
      return -1;
    }
    let mask;
    try {
      mask = await readMask(file);
    } catch (error) {
      refuse(sample, file, errorReason(error), 'unreadable-image');
      return -1;
    }
    const why = maskProblem(mask, sample.width, sample.height, named?.length ?? 256);
    if (why !== undefined) {
      refuse(sample, file, why, why.startsWith('is ') ? 'size-mismatch' : 'unknown-class');
      return -1;
    }
    return largestClass(mask);
  });
  const count = Math.max(1, ...largest.map((n) => n + 1));
  const classes = named ?? Array.from({ length: count }, (_, c) => `class ${c}`);
  const kept = samples.filter((s) => !dropped.has(s.key));
  return {
    index: { ...index, masks: { classes } },
    target: { name: 'mask', kind: 'mask', classes, ...commonSize(kept) },
    dropped,
    badRows,
  };
}
