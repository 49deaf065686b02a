import type { HeadInfo } from '../../../core/graph/analyze.ts';
import type { TrainingData } from '../../datasets/types.ts';
import { makeBatch, type Batch } from '../batches.ts';

const PROBE_SIZE = 32;

/**
 * The fixed batch the trunk diagnostics measure: the first samples of the validation split (the
 * training split's when validation is empty), never augmented, the same at every probe.
 */
export async function probeBatch(
  data: TrainingData,
  heads: readonly HeadInfo[],
  batchSize: number,
): Promise<Batch | undefined> {
  const split = data.splits.validation.size > 0 ? data.splits.validation : data.splits.train;
  const size = Math.min(split.size, batchSize, PROBE_SIZE);
  if (size === 0) return undefined;
  const block = await split.read(Int32Array.from({ length: size }, (_, i) => i));
  return block.size > 0 ? makeBatch(block, data.imageShape, heads) : undefined;
}
