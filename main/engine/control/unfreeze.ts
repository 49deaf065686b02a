import type { GraphAnalysis } from '../../../core/graph/analyze.ts';
import { nodesFeedingHeads } from '../../../core/graph/model-nodes.ts';
import {
  unfreezePlan,
  type UnfreezePlan,
  type UnfreezeSettings,
} from '../../../core/graph/trainable.ts';
import { StudioError } from '../../../core/problems.ts';
import type { LayersModel } from '../tf.ts';

export type { UnfreezeSettings };

/** The run's unfreeze setting against its graph, or the sentence why it cannot apply. */
export function assertUnfreezePlan(
  analysis: GraphAnalysis,
  settings: UnfreezeSettings,
): UnfreezePlan {
  const result = unfreezePlan(analysis, settings, nodesFeedingHeads(analysis));
  if ('error' in result) throw new StudioError('E_UNFREEZE', result.error);
  return result.plan;
}

/** Whether epoch `epoch` is the one that unfreezes (nothing to unfreeze: never). */
export const unfreezesAt = (plan: UnfreezePlan, epoch: number): boolean =>
  plan.nodes.length > 0 && epoch === plan.atEpoch;

/** Whether the nodes are unfrozen by the time epoch `epoch` begins. */
export const unfrozenBy = (plan: UnfreezePlan, epoch: number): boolean =>
  plan.nodes.length > 0 && epoch >= plan.atEpoch;

/**
 * Makes the plan's nodes trainable in the model (a BatchNormalization among them goes back to
 * training mode). What holds the trainable variables must take them afresh afterwards.
 */
export function unfreezeLayers(model: LayersModel, plan: UnfreezePlan): void {
  for (const id of plan.nodes) model.getLayer(id).trainable = true;
}
