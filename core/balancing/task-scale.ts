import type { SplitMetrics } from '../contract/training.ts';
import type { BalancingMethodName } from './methods.ts';

/**
 * A scale on which runs and epochs compare whatever the balancing method: each task's loss
 * divided by its loss at the run's first epoch, averaged over the tasks. The weighted total
 * (objective.ts) moves with the weights a method sets — a PCGrad run whose every task improves
 * can see its total rise, and uncertainty weighting's total sits at half of fixed's with equal
 * task losses — so it only decides the best epoch when the weights stay put.
 */
export const TASK_SCALE_MONITOR = 'tasks';

/** How the scale is spoken of: in the monitor's sentences, card titles and table headers. */
export const TASK_SCALE_LABEL = 'mean task loss ÷ epoch 1';

/** The mean over tasks of loss ÷ the same task's reference loss; undefined without a common task. */
export function meanRelativeLoss(
  split: Pick<SplitMetrics, 'tasks'>,
  reference: Pick<SplitMetrics, 'tasks'> | undefined,
): number | undefined {
  if (!reference) return undefined;
  const ratios = Object.entries(split.tasks).flatMap(([task, t]) => {
    const base = reference.tasks[task]?.loss;
    return base === undefined || !(base > 0) || !Number.isFinite(t.loss) ? [] : [t.loss / base];
  });
  return ratios.length ? ratios.reduce((a, b) => a + b, 0) / ratios.length : undefined;
}

/**
 * What the `auto` monitor watches: the weighted total while the weights are the graph's own
 * (`fixed`), the task scale once a method moves them.
 */
export function resolvedMonitor(monitor: string, method: BalancingMethodName): string {
  if (monitor !== 'auto') return monitor;
  return method === 'fixed' ? 'loss' : TASK_SCALE_MONITOR;
}

/** A monitor in words: "validation total loss", "validation mean task loss ÷ epoch 1", "validation box.meanIoU". */
export function monitorLabel(monitor: string): string {
  if (monitor === 'loss') return 'validation total loss';
  if (monitor === TASK_SCALE_MONITOR) return `validation ${TASK_SCALE_LABEL}`;
  return `validation ${monitor}`;
}
