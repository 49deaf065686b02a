import { weightedTotal } from '../../core/balancing/objective.ts';
import type { SplitMetrics, TaskMetrics } from '../../core/contract/training.ts';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import { metricSums, perSampleLoss } from './objectives.ts';
import { tf, type Tensor, type Tensor1D } from './tf.ts';

/**
 * One small vector per batch carries everything the trainer reports, so each step reads back
 * from the backend once: for each head, the sum of its per-sample losses, then its metric sums.
 */
export interface BatchLosses {
  /** Mean loss of each head over the batch, scalars that gradients flow through. */
  readonly means: readonly Tensor[];
  /** The read-back vector (no gradient needed). */
  readonly stats: Tensor1D;
}

export function batchLosses(
  heads: readonly HeadInfo[],
  ys: readonly Tensor[],
  preds: readonly Tensor[],
): BatchLosses {
  const perSample = heads.map((h, i) => perSampleLoss(h, ys[i] as Tensor, preds[i] as Tensor));
  const means = perSample.map((l) => l.mean());
  const parts = heads.flatMap((h, i) => [
    (perSample[i] as Tensor).sum(),
    ...metricSums(h, ys[i] as Tensor, preds[i] as Tensor),
  ]);
  return { means, stats: tf.stack(parts) as Tensor1D };
}

/** Adds up batch vectors over a split and turns them into per-task means. */
export class SplitAccumulator {
  private readonly sums: Float64Array;
  private samples = 0;

  constructor(private readonly heads: readonly HeadInfo[]) {
    this.sums = new Float64Array(heads.reduce((n, h) => n + 1 + h.metrics.length, 0));
  }

  add(stats: ArrayLike<number>, batchSize: number): void {
    for (let i = 0; i < this.sums.length; i++) this.sums[i] = (this.sums[i] ?? 0) + (stats[i] ?? 0);
    this.samples += batchSize;
  }

  /** Each task's loss (mean of the batch) from one batch's vector, for per-batch reporting. */
  static batchTaskLosses(heads: readonly HeadInfo[], stats: ArrayLike<number>, batchSize: number) {
    const out: Record<string, number> = {};
    let at = 0;
    for (const h of heads) {
      out[h.task] = (stats[at] ?? NaN) / batchSize;
      at += 1 + h.metrics.length;
    }
    return out;
  }

  /**
   * Per-task means over the split; the total weighs them with `weights` (each task's effective
   * weight; the heads' loss weights when absent).
   */
  result(weights?: Readonly<Record<string, number>>): SplitMetrics {
    const n = Math.max(this.samples, 1);
    const tasks: Record<string, TaskMetrics> = {};
    const losses: Record<string, number> = {};
    let at = 0;
    for (const h of this.heads) {
      const loss = (this.sums[at++] ?? 0) / n;
      const metrics: TaskMetrics = { loss };
      for (const m of h.metrics) metrics[m] = (this.sums[at++] ?? 0) / n;
      tasks[h.task] = metrics;
      losses[h.task] = loss;
    }
    const w = weights ?? Object.fromEntries(this.heads.map((h) => [h.task, h.lossWeight]));
    return { loss: weightedTotal(losses, w), samples: this.samples, tasks };
  }
}
