/**
 * The check pass for dense layouts: every image's mask, depth map and normal map is read once and
 * must have the image's size; a mask only known classes (or 255), a depth map finite depths of 0
 * or more. The map targets are sized (and the mask's classes named) from them. Masks drawn from
 * COCO shapes were checked as the file was read and are not read here.
 */
import type { DatasetTarget } from '../../../core/dataset-target.ts';
import { badRow, errorReason, mapLimit, toKey } from './files.ts';
import { misfitShapes } from './coco-masks.ts';
import { datasetFolderOf } from './probe-image.ts';
import { largestClass, maskProblem, readMask } from './masks.ts';
import { CHECK_CONCURRENCY } from './check.ts';
import {
  DEFAULT_DEPTH_SCALE,
  depthProblem,
  normalsProblem,
  readDepth,
  readNormals,
  type MapImage,
} from './dense-maps.ts';
import type { BadRow, ImportedIndex, ImportOptions, Sample } from './types.ts';

export type MapTarget = Extract<DatasetTarget, { kind: 'mask' | 'depth' | 'normals' }>;

export interface CheckedMaps {
  /** The index with its mask classes named. */
  readonly index: ImportedIndex;
  /** The mask, depth and normals targets the maps give, in that order. */
  readonly targets: readonly MapTarget[];
  /** Keys of the images whose maps do not fit. */
  readonly dropped: ReadonlySet<string>;
  readonly badRows: readonly BadRow[];
  /** The samples with their depth scale settled. */
  readonly samples: readonly Omit<Sample, 'split'>[];
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

type Unchecked = Omit<Sample, 'split'>;

export async function checkMaps(
  given: readonly Unchecked[],
  index: ImportedIndex,
  options: ImportOptions = {},
): Promise<CheckedMaps> {
  const scale = options.depthScale ?? DEFAULT_DEPTH_SCALE;
  const samples = given.map((s) =>
    s.depth ? { ...s, depth: { ...s.depth, scale: s.depth.scale ?? scale } } : s,
  );
  const named = index.masks?.classes;
  // Files are named from the dataset's folder (a CSV's own folder), as the user sees them.
  const root = await datasetFolderOf(index);
  // An image's first bad map drops it; the sentences come in the images' order, whatever order
  // the files are read in.
  const refused = new Map<string, BadRow>();
  /** Sentences about an image that keeps its place (a drawn mask's shape ignored). */
  const noted = new Map<string, BadRow[]>();
  const dropped = new Set<string>();
  const refuse = (sample: Unchecked, why: string, kind: BadRow['kind']) => {
    dropped.add(sample.key);
    refused.set(
      sample.key,
      badRow(kind, sample.key, `${why}; the image was skipped.`, 'dropped', sample.key),
    );
  };
  /** Reads one kind of map of every sample and refuses those that do not fit. */
  const check = async <T>(
    what: 'mask' | 'depth map' | 'normal map',
    /** The file to read; false for a map that needs no reading (a mask drawn from COCO shapes). */
    fileOf: (s: Unchecked) => string | false | undefined,
    read: (s: Unchecked, file: string) => Promise<T>,
    problem: (map: T, s: Unchecked) => string | undefined,
    /** The kind of a bad value (a class beyond the list, a NaN depth); a wrong size is its own. */
    valueKind: BadRow['kind'],
  ): Promise<(T | undefined)[]> =>
    mapLimit(samples, CHECK_CONCURRENCY, async (sample) => {
      if (dropped.has(sample.key)) return undefined;
      const file = fileOf(sample);
      if (file === false) return undefined;
      if (file === undefined) {
        refuse(sample, `'${sample.key}' has no ${what}`, 'missing-file');
        return undefined;
      }
      const shown = `The ${what} '${toKey(root, file)}' of '${sample.key}'`;
      let map: T;
      try {
        map = await read(sample, file);
      } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        refuse(
          sample,
          missing ? `${shown} does not exist` : `${shown} ${errorReason(error)}`,
          missing ? 'missing-file' : 'unreadable-image',
        );
        return undefined;
      }
      const why = problem(map, sample);
      if (why === undefined) return map;
      refuse(sample, `${shown} ${why}`, why.startsWith('is ') ? 'size-mismatch' : valueKind);
      return undefined;
    });

  const targets: MapTarget[] = [];
  let checkedIndex = index;
  if (index.masks) {
    const masks = await check(
      'mask',
      (s) => {
        if (s.mask === undefined || typeof s.mask === 'string') return s.mask;
        // Drawn masks fit by construction; only an RLE sized unlike the image is ignored, and said.
        const rows = misfitShapes(s.mask, s.key, s).map(({ kind, message }) =>
          badRow(kind, s.key, message, 'fixed', s.key),
        );
        if (rows.length) noted.set(s.key, rows);
        return false;
      },
      (_, file) => readMask(file),
      (mask, s) => maskProblem(mask, s.width, s.height, named?.length ?? 256),
      'unknown-class',
    );
    const count = Math.max(1, ...masks.map((m) => (m ? largestClass(m) + 1 : 0)));
    const classes = named ?? Array.from({ length: count }, (_, c) => `class ${c}`);
    checkedIndex = { ...index, masks: { classes } };
    targets.push({ name: 'mask', kind: 'mask', classes, height: 0, width: 0 });
  }
  if (index.depthMaps) {
    await check<MapImage>(
      'depth map',
      (s) => s.depth?.file,
      (s, file) => readDepth({ file, scale: s.depth?.scale ?? scale }),
      (map, s) => depthProblem(map, s.width, s.height),
      'not-a-number',
    );
    targets.push({ name: 'depth', kind: 'depth', height: 0, width: 0 });
  }
  if (index.normalMaps) {
    await check<MapImage>(
      'normal map',
      (s) => s.normals,
      (_, file) => readNormals(file),
      (map, s) => normalsProblem(map, s.width, s.height),
      'not-a-number',
    );
    targets.push({ name: 'normals', kind: 'normals', height: 0, width: 0 });
  }
  const size = commonSize(samples.filter((s) => !dropped.has(s.key)));
  return {
    index: checkedIndex,
    targets: targets.map((t) => ({ ...t, ...size })),
    dropped,
    badRows: samples.flatMap((s) => [
      ...(noted.get(s.key) ?? []),
      ...[refused.get(s.key)].filter((r) => r !== undefined),
    ]),
    samples,
  };
}
