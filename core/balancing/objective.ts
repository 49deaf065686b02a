/**
 * What a run's total loss is, for every process that reports or draws it: Σ w_k × L_k with w_k
 * each task's effective weight (the coefficient of its loss in the trunk's update, which the
 * balancing method sets; for `fixed` the heads' loss weights). The engine forms the step itself
 * (main/engine/balancing); this is the one description of the reported total.
 */
export const TOTAL_LOSS_DOC = 'Σ weight × task loss';

export function weightedTotal(
  losses: Readonly<Record<string, number>>,
  weights: Readonly<Record<string, number>>,
): number {
  return Object.entries(losses).reduce((sum, [task, loss]) => sum + (weights[task] ?? 0) * loss, 0);
}

/** Each task's share of the weighted total (0 when the total is 0). */
export function weightedShares(
  losses: Readonly<Record<string, number>>,
  weights: Readonly<Record<string, number>>,
): Record<string, number> {
  const total = weightedTotal(losses, weights);
  return Object.fromEntries(
    Object.entries(losses).map(([task, loss]) => [
      task,
      total > 0 ? ((weights[task] ?? 0) * loss) / total : 0,
    ]),
  );
}

/** The key of a task pair in the cosine diagnostics. */
export const pairKey = (a: string, b: string): string => `${a}|${b}`;
