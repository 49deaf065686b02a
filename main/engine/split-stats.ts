import { weightedTotal } from '../../core/balancing/objective.ts';
import type { ClassIoURow, SplitMetrics, TaskMetrics } from '../../core/contract/training.ts';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import { METRIC_SPECS, taskSpec, type DatasetTarget } from '../../core/tasks/registry.ts';
import type { MetricAccumulator, MetricScope } from '../../core/tasks/task.ts';
import { perSampleLoss } from './tasks/index.ts';
import { tf, type Tensor, type Tensor1D } from './tf.ts';

/**
 * One small vector per batch carries everything the trainer reports, so each step reads back
 * from the backend once: for each head, the sum of its per-sample losses, then its truth and
 * prediction ([batch × truthUnits] and [batch × units]) for the metrics, which core/tasks
 * computes over the split.
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
  const parts = heads.flatMap((h, i) =>
    h.metrics.length === 0
      ? [(perSample[i] as Tensor).sum().reshape([1])]
      : [
          (perSample[i] as Tensor).sum().reshape([1]),
          (ys[i] as Tensor).reshape([-1]),
          (preds[i] as Tensor).reshape([-1]),
        ],
  );
  return { means, stats: tf.concat(parts) as Tensor1D };
}

/** Where each head's loss sum sits in a batch's vector. */
function lossOffsets(heads: readonly HeadInfo[], batchSize: number): number[] {
  let at = 0;
  return heads.map((h) => {
    const here = at;
    at += 1 + (h.metrics.length ? batchSize * (h.truthUnits + h.units) : 0);
    return here;
  });
}

/** Each task's loss (mean of the batch) from one batch's vector, in head order. */
export function batchMeanLosses(
  heads: readonly HeadInfo[],
  stats: ArrayLike<number>,
  batchSize: number,
): number[] {
  return lossOffsets(heads, batchSize).map((at) => (stats[at] ?? NaN) / batchSize);
}

/** Adds up batch vectors over a split and turns them into per-task means and metrics. */
export class SplitAccumulator {
  private readonly lossSums: Float64Array;
  private readonly metrics: MetricAccumulator[][];
  private samples = 0;

  constructor(private readonly heads: readonly HeadInfo[]) {
    this.lossSums = new Float64Array(heads.length);
    this.metrics = heads.map((h) => {
      const scope: MetricScope = new Map();
      return h.metrics.map((m) => METRIC_SPECS[m].create(h.units, h.shape, h.params, scope));
    });
  }

  add(stats: Float32Array, batchSize: number): void {
    const offsets = lossOffsets(this.heads, batchSize);
    this.heads.forEach((h, k) => {
      const at = offsets[k] as number;
      this.lossSums[k] = (this.lossSums[k] ?? 0) + (stats[at] ?? 0);
      const truthEnd = at + 1 + batchSize * h.truthUnits;
      const truth = stats.subarray(at + 1, truthEnd);
      const prediction = stats.subarray(truthEnd, truthEnd + batchSize * h.units);
      for (const m of this.metrics[k] ?? []) m.add(truth, prediction, batchSize);
    });
    this.samples += batchSize;
  }

  /** Each task's loss (mean of the batch) from one batch's vector, for per-batch reporting. */
  static batchTaskLosses(heads: readonly HeadInfo[], stats: ArrayLike<number>, batchSize: number) {
    const means = batchMeanLosses(heads, stats, batchSize);
    return Object.fromEntries(heads.map((h, k) => [h.task, means[k] as number]));
  }

  /**
   * Per-task means over the split; the total weighs them with `weights` (each task's effective
   * weight; the heads' loss weights when absent).
   */
  result(weights?: Readonly<Record<string, number>>): SplitMetrics {
    const n = Math.max(this.samples, 1);
    const tasks: Record<string, TaskMetrics> = {};
    const losses: Record<string, number> = {};
    this.heads.forEach((h, k) => {
      const loss = (this.lossSums[k] ?? 0) / n;
      const metrics: TaskMetrics = { loss };
      h.metrics.forEach((m, i) => {
        const value = this.metrics[k]?.[i]?.finish() ?? Number.NaN;
        // A metric with nothing added reports 0, as the sums did before.
        metrics[m] = this.samples ? value : 0;
      });
      tasks[h.task] = metrics;
      losses[h.task] = loss;
    });
    const w = weights ?? Object.fromEntries(this.heads.map((h) => [h.task, h.lossWeight]));
    return { loss: weightedTotal(losses, w), samples: this.samples, tasks };
  }

  /**
   * Each mask head's per-class IoU over the split, named by the classes of its target in
   * `targets` (the dataset's); empty when no head has a per-class table.
   */
  perClass(targets: readonly DatasetTarget[]): Record<string, ClassIoURow[]> {
    const tables: Record<string, ClassIoURow[]> = {};
    this.heads.forEach((h, k) => {
      const rows = this.metrics[k]?.find((m) => m.perClass)?.perClass?.();
      if (!rows) return;
      const target = targets.find((t) => t.name === h.target);
      const names = target ? taskSpec(target.kind).outputNames?.(target) : undefined;
      tables[h.task] = rows.map((row, c) => ({ name: names?.[c] ?? `class ${c}`, ...row }));
    });
    return tables;
  }
}
