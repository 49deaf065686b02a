import type { SplitMetrics } from '../../core/contract/training.ts';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import type { DatasetTarget } from '../../core/tasks/registry.ts';
import type { DatasetSplit, ImageShape, SplitReader } from '../datasets/types.ts';
import { batchIndices, disposeBatch, makeBatch, prefetchBlocks } from './batches.ts';
import { batchLosses, SplitAccumulator } from './split-stats.ts';
import { tf, type LayersModel, type Tensor } from './tf.ts';

/** The model's outputs as a list in head order, whether it has one output or several. */
export const outputsOf = (out: Tensor | Tensor[]): Tensor[] => (Array.isArray(out) ? out : [out]);

/**
 * Total loss and each task's loss and metrics on a split, as Keras' `evaluate` reports them:
 * means over all samples, computed by our own code in inference mode.
 */
export async function evaluateSplit(
  model: LayersModel,
  heads: readonly HeadInfo[],
  split: SplitReader,
  imageShape: ImageShape,
  batchSize: number,
  /** Each task's effective weight for the total (the heads' loss weights when absent). */
  weights?: Readonly<Record<string, number>>,
  /**
   * The dataset's targets, given for an evaluation that ends a run: each mask head's per-class
   * IoU table is added, named by its classes.
   */
  perClassOf?: readonly DatasetTarget[],
): Promise<SplitMetrics> {
  const acc = new SplitAccumulator(heads);
  const order = Int32Array.from({ length: split.size }, (_, i) => i);
  for await (const block of prefetchBlocks(split, batchIndices(order, batchSize))) {
    if (block.size === 0) continue;
    const batch = makeBatch(block, imageShape, heads);
    const stats = tf.tidy(() => {
      const preds = outputsOf(model.apply(batch.x, { training: false }) as Tensor | Tensor[]);
      return batchLosses(heads, batch.ys, preds).stats;
    });
    disposeBatch(batch);
    acc.add((await stats.data()) as Float32Array, batch.size);
    stats.dispose();
  }
  const metrics = acc.result(weights);
  const perClass = perClassOf ? acc.perClass(perClassOf) : {};
  return Object.keys(perClass).length ? { ...metrics, perClass } : metrics;
}

/**
 * The first `count` readable samples of a split with the model's predictions per head, as plain
 * arrays: the block read (images and targets, for drawing) and one array per head, each
 * sample's outputs flat.
 */
export async function predictSamples(
  model: LayersModel,
  heads: readonly HeadInfo[],
  split: SplitReader,
  imageShape: ImageShape,
  count: number,
): Promise<{ block: DatasetSplit; predictions: number[][][] }> {
  const indices = Int32Array.from({ length: Math.min(count, split.size) }, (_, i) => i);
  const block = await split.read(indices);
  if (block.size === 0) return { block, predictions: heads.map(() => []) };
  const batch = makeBatch(block, imageShape, heads);
  const preds = outputsOf(model.apply(batch.x, { training: false }) as Tensor | Tensor[]);
  // One flat row per sample, whatever the head's output shape (a feature map's too).
  const flat = preds.map((p) => p.reshape([p.shape[0] ?? 0, -1]));
  const predictions = await Promise.all(flat.map((p) => p.array() as Promise<number[][]>));
  tf.dispose([...preds, ...flat]);
  disposeBatch(batch);
  return { block, predictions };
}
