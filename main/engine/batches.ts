import type { HeadInfo } from '../../core/graph/analyze.ts';
import type { DatasetSplit, ImageShape } from '../datasets/types.ts';
import { tf, type Tensor, type Tensor4D } from './tf.ts';

export interface Batch {
  readonly x: Tensor4D;
  /** One target tensor per head, in head order. */
  readonly ys: readonly Tensor[];
  readonly size: number;
}

/**
 * Gathers the samples at `indices` into tensors: images scaled to [0, 1], classes one-hot,
 * boxes and numeric targets as they are. The caller disposes the batch.
 */
export function makeBatch(
  split: DatasetSplit,
  imageShape: ImageShape,
  heads: readonly HeadInfo[],
  indices: ArrayLike<number>,
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
    if (head.targetKind === 'class') {
      const labels = new Int32Array(size);
      for (let b = 0; b < size; b++) labels[b] = values[indices[b] as number] as number;
      return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), head.units).toFloat());
    }
    const width = head.units;
    const out = new Float32Array(size * width);
    for (let b = 0; b < size; b++) {
      const from = (indices[b] as number) * width;
      out.set(values.subarray(from, from + width), b * width);
    }
    return tf.tensor2d(out, [size, width]);
  });
  return { x: tf.tensor4d(x, [size, h, w, c]), ys, size };
}

export const disposeBatch = (batch: Batch): void => tf.dispose([batch.x, ...batch.ys]);

/** Consecutive index ranges of at most `batchSize` over `order`. */
export function* batchIndices(order: Int32Array, batchSize: number): Generator<Int32Array> {
  for (let start = 0; start < order.length; start += batchSize) {
    yield order.subarray(start, Math.min(start + batchSize, order.length));
  }
}
