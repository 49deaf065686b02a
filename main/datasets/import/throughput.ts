/**
 * How fast the pipeline turns image files into training blocks, for the benchmark: decode and
 * resize (and augment, when asked) over the training split, with no cache, so every image costs
 * a full decode as in a first epoch.
 */
import type { CheckedDataset } from './types.ts';
import {
  createImportedData,
  DEFAULT_DECODE_CONCURRENCY,
  type ImportedDataOptions,
} from './reader.ts';

export interface DecodeThroughput {
  readonly imagesPerSec: number;
  /** Images decoded into blocks (unreadable ones are not counted). */
  readonly images: number;
  readonly unreadable: number;
  readonly seconds: number;
  readonly concurrency: number;
  readonly blockSize: number;
}

/**
 * Reads blocks of `blockSize` from the training split, cycling through it, until `seconds` have
 * passed (at least one block is read).
 */
export async function measureDecodeThroughput(
  checked: CheckedDataset,
  options: Omit<ImportedDataOptions, 'cache' | 'cacheDir' | 'cacheBytes'>,
  seconds = 3,
  blockSize = 32,
): Promise<DecodeThroughput> {
  const data = createImportedData(checked, { ...options, cache: false });
  const train = data.splits.train;
  if (train.size === 0) throw new RangeError('The training split has no images to measure.');
  const started = performance.now();
  let images = 0;
  let next = 0;
  try {
    do {
      const indices = Array.from({ length: blockSize }, (_, k) => (next + k) % train.size);
      next = (next + blockSize) % train.size;
      images += (await train.read(indices)).size;
    } while (performance.now() - started < seconds * 1000);
  } finally {
    await data.close();
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    imagesPerSec: images / elapsed,
    images,
    unreadable: train.unreadable(),
    seconds: elapsed,
    concurrency: options.concurrency ?? DEFAULT_DECODE_CONCURRENCY,
    blockSize,
  };
}
