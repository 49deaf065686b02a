/**
 * A checked dataset as the trainer reads it: each split decodes the images a batch asks for, a
 * few at a time, fits them to the Input size, moves their boxes along, augments the training
 * split, and keeps decoded images for later epochs. An image that cannot be read any more is
 * left out of its batch and reported, never fatal: a run of hours should not end on one file.
 */
import { OBJECT_ROWS_SIZE, writeObjectRows } from '../../../core/detection/object-rows.ts';
import { basename } from 'node:path';
import {
  allocateTarget,
  storedWidth,
  targetAtImageSize,
  taskSpec,
  type TaskKind,
} from '../../../core/tasks/registry.ts';
import type { DatasetTarget, ImageShape, SplitName, SplitReader, TrainingData } from '../types.ts';
import {
  augmentRng,
  augmentSample,
  checkAugmentOptions,
  isAugmenting,
  moveBox,
  moveMap,
  moveObjects,
  type AugmentedSample,
} from './augment.ts';
import {
  createImageCache,
  imageCacheKey,
  type CachedImage,
  type ImageCache,
  type ImageCacheStats,
} from './cache.ts';
import { applyBoxTransform, decodeImage, type DecodeImage } from './decode.ts';
import { mapLimit } from './files.ts';
import { readDepth, readNormals, type MapImage } from './dense-maps.ts';
import { fitMap, loadMask, type MaskImage } from './masks.ts';
import {
  PRIMARY_CLASS,
  type AugmentOptions,
  type CheckedDataset,
  type ResizeMode,
  type Sample,
  type UnitBox,
} from './types.ts';

export interface ImportedDataOptions {
  readonly imageShape: ImageShape;
  readonly resize: ResizeMode;
  /** Applied to the training split only. */
  readonly augment?: AugmentOptions;
  /** Keep decoded images for later epochs (default true). */
  readonly cache?: boolean;
  /** A folder for images that overflow the memory budget; without one they are decoded again. */
  readonly cacheDir?: string;
  /** Memory budget of the cache in bytes; default 512 MiB. */
  readonly cacheBytes?: number;
  /** Same seed, same augmented epochs. */
  readonly seed: number;
  /** Decodes asked for at once (see DEFAULT_DECODE_CONCURRENCY). */
  readonly concurrency?: number;
  /** The decoder; tests substitute one that counts or fails. */
  readonly decode?: DecodeImage;
}

/** An image left out of training because it could not be read, and why. */
export interface UnreadableSample {
  readonly key: string;
  readonly split: SplitName;
  readonly reason: string;
}

export interface ImportedTrainingData extends TrainingData {
  /** Each unreadable image once, with the first reason it gave, in the order met. */
  unreadableSamples(): readonly UnreadableSample[];
  /** Absent when caching is off. */
  cacheStats(): ImageCacheStats | undefined;
  close(): Promise<void>;
}

/**
 * Decodes asked for at once. sharp queues them on libuv's thread pool (four threads unless
 * UV_THREADPOOL_SIZE says otherwise), so a whole block is handed over in one go: decoding then
 * goes on while a training step holds this thread, instead of waiting for a turn of the event
 * loop to start each next image.
 */
export const DEFAULT_DECODE_CONCURRENCY = 64;

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

const reasonOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

type TargetOf<K extends TaskKind> = Extract<DatasetTarget, { kind: K }>;

/** What moves with the image as it is fitted and augmented: the chosen box and every object's. */
/** A sample's objects as rows, fitted to the Input as its image was. */
function objectRows(sample: Sample, transform: CachedImage['transform']): Float32Array | undefined {
  if (!sample.objects) return undefined;
  return writeObjectRows(
    sample.objects.map((o) => ({ ...o, box: applyBoxTransform(o.box, transform) })),
  ).rows;
}

/**
 * How each task kind's values come out of a checked sample, into the target's array at sample
 * `b` (`out` has the target's stored width per sample).
 */
const SAMPLE_TARGETS: {
  readonly [K in TaskKind]: (
    target: TargetOf<K>,
    sample: Sample,
    prepared: Prepared,
    out: Int32Array | Float32Array,
    b: number,
  ) => void;
} = {
  class: (t, sample, _, out, b) => {
    out[b] = t.name === PRIMARY_CLASS ? sample.classIndex : (sample.labels?.[t.name] ?? -1);
  },
  attributes: (t, sample, _, out, b) =>
    t.attributes.forEach((a, k) => (out[b * t.attributes.length + k] = sample.values[a] ?? 0)),
  // The check drops images without a box when the dataset has boxes; zeros are a last resort.
  box: (_, __, { box }, out, b) => box && out.set(box, b * 4),
  numeric: (t, sample, _, out, b) =>
    t.columns.forEach((c, k) => (out[b * t.columns.length + k] = sample.values[c] ?? 0)),
  // Rows come unused (class −1) without boxes, as writeObjectRows leaves an image with none.
  objects: (_, __, { objects }, out, b) =>
    out.set(objects ?? writeObjectRows([]).rows, b * OBJECT_ROWS_SIZE),
  mask: (t, _, { mask }, out, b) => (mask ? out.set(mask, b * mask.length) : mapNothing(t, out, b)),
  depth: (t, _, { depth }, out, b) =>
    depth ? out.set(depth, b * depth.length) : mapNothing(t, out, b),
  normals: (t, _, { normals }, out, b) =>
    normals ? out.set(normals, b * normals.length) : mapNothing(t, out, b),
};

type MapKind = 'mask' | 'depth' | 'normals';
const MAP_CHANNELS = { mask: 1, depth: 1, normals: 3 } as const satisfies Record<MapKind, number>;

/**
 * A sample's maps read and fitted to the Input as its image was (nearest, padding "nothing
 * here"); a map that cannot be read any more throws "its depth map …".
 */
async function fittedMaps(
  sample: Sample,
  height: number,
  width: number,
  transform: CachedImage['transform'],
): Promise<Partial<Record<MapKind, Float32Array>>> {
  const files: [MapKind, string, () => Promise<MapImage | MaskImage>][] = [];
  if (sample.mask !== undefined) files.push(['mask', 'mask', () => loadMask(sample.mask!, sample)]);
  if (sample.depth) files.push(['depth', 'depth map', () => readDepth(sample.depth!)]);
  if (sample.normals !== undefined)
    files.push(['normals', 'normal map', () => readNormals(sample.normals!)]);
  const out: Partial<Record<MapKind, Float32Array>> = {};
  // Maps are small and read again each time rather than held with the images.
  for (const [kind, what, read] of files) {
    let map: MapImage | MaskImage;
    try {
      map = await read();
    } catch (error) {
      throw new Error(`its ${what} ${reasonOf(error)}`, { cause: error });
    }
    const outside = taskSpec(kind).mapMotion?.outside ?? 0;
    out[kind] = fitMap(map, MAP_CHANNELS[kind], height, width, transform, outside);
  }
  return out;
}

/** Sample `b`'s map all "nothing here": the ignore class of a mask, no depth, no normal. */
function mapNothing(target: DatasetTarget, out: Int32Array | Float32Array, b: number): void {
  const width = storedWidth(target);
  out.fill(taskSpec(target.kind).mapMotion?.outside ?? 0, b * width, (b + 1) * width);
}

/** What a sample brings besides its pixels, moved with them: its box, objects and maps. */
interface Prepared extends Partial<Record<MapKind, Float32Array>> {
  readonly box?: UnitBox | undefined;
  /** The objects target's rows (core/detection/object-rows.ts); absent without boxes. */
  readonly objects?: Float32Array | undefined;
}

/** The block's target arrays, exactly the targets the dataset offers. */
function buildTargets(
  targets: readonly DatasetTarget[],
  samples: readonly Sample[],
  boxes: readonly Prepared[],
): Record<string, Int32Array | Float32Array> {
  const out: Record<string, Int32Array | Float32Array> = {};
  for (const target of targets) {
    const values = allocateTarget(target, samples.length);
    const fill = SAMPLE_TARGETS[target.kind] as (typeof SAMPLE_TARGETS)[TaskKind];
    samples.forEach((sample, b) => fill(target as never, sample, boxes[b] ?? {}, values, b));
    out[target.name] = values;
  }
  return out;
}

interface SplitContext {
  readonly split: SplitName;
  readonly samples: readonly Sample[];
  readonly targets: readonly DatasetTarget[];
  readonly options: ImportedDataOptions;
  readonly cache: ImageCache | undefined;
  readonly decode: DecodeImage;
  readonly augment: AugmentOptions | undefined;
  readonly onUnreadable: (sample: Sample, reason: string) => void;
}

function createSplitReader(context: SplitContext): SplitReader {
  const { samples, options, cache, decode, augment } = context;
  const [height, width, channels] = options.imageShape;
  const pixelsPerImage = height * width * channels;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_DECODE_CONCURRENCY);
  // How often each sample has been asked for: the n-th read of sample i is augmented by
  // createRng(seed, stream, i, n), whatever the batch it falls in and whatever decodes first.
  const reads = new Uint32Array(samples.length);
  let unreadable = 0;

  const load = async (sample: Sample): Promise<CachedImage> => {
    const key = imageCacheKey(sample.key, options.imageShape, options.resize);
    const cached = await cache?.get(key);
    if (cached) return cached;
    const decoded = await decode(sample.file, options.imageShape, options.resize);
    cache?.set(key, decoded);
    return decoded;
  };

  return {
    size: samples.length,
    unreadable: () => unreadable,
    resumeAt: (done) => reads.fill(done),
    async read(indices) {
      const wanted = Array.from(indices, (index) => {
        const sample = samples[index];
        if (sample === undefined) {
          throw new RangeError(
            `The ${context.split} split has ${samples.length} images; there is no image ${index}.`,
          );
        }
        const draw = augment ? (reads[index] as number) : 0;
        if (augment) reads[index] = draw + 1;
        return { index, sample, draw };
      });
      // Each sample is augmented as soon as it is decoded, while the others are still decoding.
      const prepared = await mapLimit(wanted, concurrency, async ({ index, sample, draw }) => {
        let image: CachedImage;
        try {
          image = await load(sample);
        } catch (error) {
          return reasonOf(error);
        }
        const box = sample.box && applyBoxTransform(sample.box, image.transform);
        const objects = objectRows(sample, image.transform);
        let maps: Partial<Record<MapKind, Float32Array>>;
        try {
          maps = await fittedMaps(sample, height, width, image.transform);
        } catch (error) {
          return reasonOf(error);
        }
        if (!augment) return { pixels: image.pixels, box, objects, ...maps };
        const augmented = augmentSample(
          image.pixels,
          options.imageShape,
          box,
          augment,
          augmentRng(options.seed, index, draw),
        );
        const { moves } = augmented;
        if (objects && (moves.flipped || moves.affine))
          moveObjects(objects, (b) => moveBox(moves, b));
        const moved = Object.fromEntries(
          (Object.entries(maps) as [MapKind, Float32Array][]).map(([kind, map]) => {
            const motion = taskSpec(kind).mapMotion ?? { outside: 0 };
            return [kind, moveMap(map, [height, width, MAP_CHANNELS[kind]], moves, motion)];
          }),
        );
        return { ...augmented, objects, ...moved };
      });

      const kept: Sample[] = [];
      const extras: Prepared[] = [];
      const images = new Uint8Array(wanted.length * pixelsPerImage);
      wanted.forEach(({ sample }, position) => {
        const done = prepared[position] as (AugmentedSample & Prepared) | string;
        if (typeof done === 'string') {
          unreadable++;
          context.onUnreadable(sample, done);
          return;
        }
        images.set(done.pixels, kept.length * pixelsPerImage);
        kept.push(sample);
        extras.push(done);
      });
      return {
        size: kept.length,
        images:
          kept.length === wanted.length ? images : images.slice(0, kept.length * pixelsPerImage),
        targets: buildTargets(context.targets, kept, extras),
      };
    },
  };
}

/**
 * Readers over the three splits of `checked`, decoding images as batches ask for them. Nothing
 * is read until the first `read`.
 */
export function createImportedData(
  checked: CheckedDataset,
  options: ImportedDataOptions,
): ImportedTrainingData {
  if (options.augment) checkAugmentOptions(options.augment);
  const cache =
    options.cache === false
      ? undefined
      : createImageCache({
          ...(options.cacheBytes !== undefined ? { maxBytes: options.cacheBytes } : {}),
          ...(options.cacheDir !== undefined ? { dir: options.cacheDir } : {}),
        });
  const unreadable = new Map<string, UnreadableSample>();
  const onUnreadable = (sample: Sample, reason: string) => {
    if (!unreadable.has(sample.key)) {
      unreadable.set(sample.key, { key: sample.key, split: sample.split, reason });
    }
  };
  // Maps are fitted to the Input, as the images are.
  const [height, width] = options.imageShape;
  const targets = checked.targets.map((t) => targetAtImageSize(t, height, width));
  const reader = (split: SplitName) =>
    createSplitReader({
      split,
      samples: checked.samples[split],
      targets,
      options,
      cache,
      decode: options.decode ?? decodeImage,
      augment: split === 'train' && isAugmenting(options.augment) ? options.augment : undefined,
      onUnreadable,
    });
  const splits = Object.fromEntries(SPLITS.map((split) => [split, reader(split)])) as Record<
    SplitName,
    SplitReader
  >;
  return {
    name: basename(checked.index.source),
    imageShape: options.imageShape,
    targets,
    splits,
    unreadableSamples: () => [...unreadable.values()],
    cacheStats: () => cache?.stats(),
    close: async () => {
      await cache?.clear();
    },
  };
}
