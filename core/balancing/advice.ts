import type { Diagnostics, TaskMetrics } from '../contract/training.ts';
import { BALANCING, isBalancingMethod } from './methods.ts';
import { weightedShares } from './objective.ts';

/** What the advice reads of each epoch: the train split's task losses, weights, diagnostics. */
export interface AdviceEpoch {
  readonly train: { readonly tasks: Readonly<Record<string, TaskMetrics>> };
  readonly weights?: Readonly<Record<string, number>>;
  readonly diagnostics?: Diagnostics;
}

/** Conflict is frequent when over a third of probe pairs conflict, two epochs running. */
export const CONFLICT_SHARE = 1 / 3;
/** A task is starved when its weighted share of the total stays under this, two epochs running. */
export const STARVED_SHARE = 0.03;

const lossesOf = (e: AdviceEpoch) =>
  Object.fromEntries(Object.entries(e.train.tasks).map(([task, m]) => [task, m.loss]));

/**
 * Sentences for the run status about the tasks' balance: frequent gradient conflict on the
 * trunk (with a gradient-level method to try), and tasks starved by the weighting.
 */
export function balancingAdvice(epochs: readonly AdviceEpoch[], method: string): string[] {
  const out: string[] = [];
  const lastTwo = epochs.slice(-2);
  if (lastTwo.length < 2) return out;
  const shares = lastTwo.map((e) => e.diagnostics?.conflictShare);
  if (shares.every((s) => s !== undefined && s > CONFLICT_SHARE)) {
    const percent = Math.round(100 * (shares[1] ?? 0));
    const advice =
      isBalancingMethod(method) && BALANCING[method].level === 'gradient'
        ? `${method} is already resolving it on the trunk.`
        : 'a gradient-level method (pcgrad, cagrad or mgda-ub) may help.';
    out.push(
      `The tasks' gradients on the shared trunk conflict often (${percent}% of probes in the last epoch, over a third for two epochs); ${advice}`,
    );
  }
  const starved = Object.keys(lastTwo[1]?.train.tasks ?? {}).filter((task) =>
    lastTwo.every((e) => {
      if (!e.weights) return false;
      const share = weightedShares(lossesOf(e), e.weights)[task];
      return share !== undefined && share < STARVED_SHARE;
    }),
  );
  for (const task of starved) {
    out.push(
      `Task '${task}' is being starved: its weighted share of the total loss has stayed under ${Math.round(100 * STARVED_SHARE)}% for two epochs, so the trunk hardly learns for it.`,
    );
  }
  return out;
}
