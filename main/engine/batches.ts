import type { HeadInfo } from '../../core/graph/analyze.ts';
import { taskSpec } from '../../core/tasks/registry.ts';
import type {
  Dataset,
  DatasetSplit,
  ImageShape,
  SplitReader,
  TrainingData,
} from '../datasets/types.ts';
import { tf, type Tensor, type Tensor4D } from './tf.ts';

export interface Batch {
  readonly x: Tensor4D;
  /** One target tensor per head, in head order. */
  readonly ys: readonly Tensor[];
  readonly size: number;
}

/**
 * Gathers the samples at `indices` of a block (all of them, in order, when absent) into tensors:
 * images scaled to [0, 1], classes one-hot, boxes and numeric targets as they are. The caller
 * disposes the batch.
 */
export function makeBatch(
  split: DatasetSplit,
  imageShape: ImageShape,
  heads: readonly HeadInfo[],
  indices: ArrayLike<number> = identity(split.size),
): Batch {
  const [h, w, c] = imageShape;
  const pixels = h * w * c;
  const size = indices.length;
  const x = new Float32Array(size * pixels);
  for (let b = 0; b < size; b++) {
    const from = (indices[b] as number) * pixels;
    const image = split.images.subarray(from, from + pixels);
    const offset = b * pixels;
    for (let i = 0; i < pixels; i++) x[offset + i] = (image[i] as number) / 255;
  }
  const ys = heads.map((head) => {
    const values = split.targets[head.target];
    if (!values) throw new Error(`the split has no target '${head.target}'`);
    if (taskSpec(head.targetKind).storage === 'index') {
      const labels = new Int32Array(size);
      for (let b = 0; b < size; b++) labels[b] = values[indices[b] as number] as number;
      return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), head.units).toFloat());
    }
    // A map head's truth has the kind's own layout (a class per pixel), flat per sample; the
    // kind's loss shapes it.
    const width = head.truthUnits;
    const out = new Float32Array(size * width);
    for (let b = 0; b < size; b++) {
      const from = (indices[b] as number) * width;
      out.set(values.subarray(from, from + width), b * width);
    }
    return tf.tensor2d(out, [size, width]);
  });
  return { x: tf.tensor4d(x, [size, h, w, c]), ys, size };
}

const identity = (size: number) => Int32Array.from({ length: size }, (_, i) => i);

export const disposeBatch = (batch: Batch): void => tf.dispose([batch.x, ...batch.ys]);

/** Consecutive index ranges of at most `batchSize` over `order`. */
export function* batchIndices(order: Int32Array, batchSize: number): Generator<Int32Array> {
  for (let start = 0; start < order.length; start += batchSize) {
    yield order.subarray(start, Math.min(start + batchSize, order.length));
  }
}

/** A split held in memory as a reader: `read` gathers the samples at `indices`. */
export function memoryReader(split: DatasetSplit): SplitReader {
  const pixels = split.size > 0 ? split.images.length / split.size : 0;
  return {
    size: split.size,
    unreadable: () => 0,
    read: (indices) => Promise.resolve(gatherSamples(split, pixels, indices)),
  };
}

function gatherSamples(
  split: DatasetSplit,
  pixels: number,
  indices: ArrayLike<number>,
): DatasetSplit {
  const size = indices.length;
  const images = new Uint8Array(size * pixels);
  for (let b = 0; b < size; b++) {
    const from = (indices[b] as number) * pixels;
    images.set(split.images.subarray(from, from + pixels), b * pixels);
  }
  const targets: Record<string, Int32Array | Float32Array> = {};
  for (const [name, values] of Object.entries(split.targets)) {
    const width = values.length / Math.max(split.size, 1);
    const out =
      values instanceof Int32Array ? new Int32Array(size * width) : new Float32Array(size * width);
    for (let b = 0; b < size; b++) {
      const from = (indices[b] as number) * width;
      out.set(values.subarray(from, from + width), b * width);
    }
    targets[name] = out;
  }
  return { size, images, targets };
}

const isInMemory = (data: Dataset | TrainingData): data is Dataset => 'images' in data.splits.train;

/** The trainer's view of a dataset: a built-in one in memory, or an imported one as is. */
export function asTrainingData(data: Dataset | TrainingData): TrainingData {
  if (!isInMemory(data)) return data;
  return {
    name: data.name,
    imageShape: data.imageShape,
    targets: data.targets,
    splits: {
      train: memoryReader(data.splits.train),
      validation: memoryReader(data.splits.validation),
      test: memoryReader(data.splits.test),
    },
  };
}

/**
 * Reads the blocks of `batches` from `reader` up to `depth` ahead of the consumer, so decoding
 * the next batches overlaps training on this one. A read that fails rejects when its turn comes.
 */
export async function* prefetchBlocks(
  reader: SplitReader,
  batches: Iterable<Int32Array>,
  depth = 2,
): AsyncGenerator<DatasetSplit> {
  const iterator = batches[Symbol.iterator]();
  const queue: Promise<DatasetSplit>[] = [];
  const fill = () => {
    while (queue.length < depth) {
      const next = iterator.next();
      if (next.done) return;
      const pending = reader.read(next.value);
      // Handled when its turn comes; this keeps an early failure from being reported as unhandled.
      pending.catch(() => undefined);
      queue.push(pending);
    }
  };
  fill();
  while (queue.length > 0) {
    const block = await (queue.shift() as Promise<DatasetSplit>);
    fill();
    yield block;
  }
}
