import { z } from 'zod';
import { asNodeId, NODE_ID_PATTERN, type NodeId } from '../ids.ts';
import type { ParamCount } from '../nodes/kind.ts';
import { kindSpec, type NodeKind } from '../nodes/registry.ts';
import type { GraphAnalysis } from './analyze.ts';

/**
 * Frozen layers, in one place: which nodes have weights to freeze, whether a node is frozen, how
 * a frozen node counts, and which nodes a run unfreezes when. The engine, the counts (summary,
 * memory estimate, trunk) and every export ask here, so they cannot disagree.
 */

/** A node kind has weights to freeze exactly when its params carry `trainable`. */
export const hasWeights = (kind: NodeKind): boolean => 'trainable' in kindSpec(kind).params.shape;

interface NodeLike {
  readonly kind: NodeKind;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** The one rule: a node is frozen when its kind has weights and its `trainable` is false. */
export const isFrozen = (node: NodeLike): boolean =>
  hasWeights(node.kind) && node.params?.trainable === false;

/** A node's mark in Keras' `summary(show_trainable=True)` column: Y, N, or none without weights. */
export const trainableMark = (node: NodeLike): 'Y' | 'N' | '' =>
  hasWeights(node.kind) ? (isFrozen(node) ? 'N' : 'Y') : '';

/** A node's parameters as Keras prints them: a frozen node's weights all count as non-trainable. */
export const countWhenFrozen = (count: ParamCount, frozen: boolean): ParamCount =>
  frozen ? { trainable: 0, nonTrainable: count.trainable + count.nonTrainable } : count;

/** The nodes with weights that feed `id`, directly or not: what "freeze everything before" freezes. */
export function weightedNodesBefore(
  nodes: readonly { readonly id: string; readonly kind: NodeKind }[],
  edges: readonly { readonly source: string; readonly target: string }[],
  id: string,
): string[] {
  const kindOf = new Map(nodes.map((n) => [n.id, n.kind] as const));
  const seen = new Set<string>();
  const stack = edges.filter((e) => e.target === id).map((e) => e.source);
  for (let at = stack.pop(); at !== undefined; at = stack.pop()) {
    if (seen.has(at) || at === id) continue;
    seen.add(at);
    stack.push(...edges.filter((e) => e.target === at).map((e) => e.source));
  }
  return nodes
    .filter((n) => seen.has(n.id) && hasWeights(kindOf.get(n.id) as NodeKind))
    .map((n) => n.id);
}

// ---------- the unfreeze setting: a two-phase fine-tune in one run ----------

const NODE_ID = NODE_ID_PATTERN.source.slice(1, -1);
export const UNFREEZE_PATTERN = new RegExp(`^(all|${NODE_ID}(\\s*,\\s*${NODE_ID})*)$`);

export const unfreezeAtField = () =>
  z
    .number()
    .int()
    .min(0)
    .max(10000)
    .default(0)
    .describe('Unfreeze the frozen nodes named below at the start of this epoch; 0 never does.');

export const unfreezeNodesField = () =>
  z
    .string()
    .regex(UNFREEZE_PATTERN, "a list of nodes to unfreeze is 'all' or node ids separated by commas")
    .default('all')
    .describe("Which frozen nodes to unfreeze: 'all', or node ids separated by commas.");

export const unfreezeLearningRateField = () =>
  z
    .number()
    .gt(0)
    .max(10)
    .optional()
    .describe('Learning rate from the unfreeze epoch on (usually lower); absent keeps the rate.');

export interface UnfreezeSettings {
  readonly unfreezeAt: number;
  readonly unfreeze: string;
  readonly unfreezeLearningRate?: number | undefined;
}

/** What a run unfreezes and when; `nodes` is empty when nothing is to be unfrozen. */
export interface UnfreezePlan {
  readonly atEpoch: number;
  readonly nodes: readonly NodeId[];
  readonly learningRate?: number;
}

/**
 * The unfreeze setting against a graph: the frozen nodes it names ('all': every frozen node of
 * the model), or a sentence naming the id that is not a frozen node. Nothing to do when the
 * epoch is 0.
 */
export function unfreezePlan(
  analysis: GraphAnalysis,
  settings: UnfreezeSettings,
  modelNodes: ReadonlySet<NodeId>,
): { readonly plan: UnfreezePlan } | { readonly error: string } {
  const frozen = analysis.order.filter((id) => {
    if (!modelNodes.has(id)) return false;
    const node = analysis.nodes.get(id);
    return node !== undefined && isFrozen(node);
  });
  const lr = settings.unfreezeLearningRate;
  const plan = (nodes: readonly NodeId[]) => ({
    plan: {
      atEpoch: settings.unfreezeAt,
      nodes,
      ...(lr !== undefined ? { learningRate: lr } : {}),
    },
  });
  if (settings.unfreezeAt === 0) return plan([]);
  if (settings.unfreeze.trim() === 'all') return plan(frozen);
  const named = settings.unfreeze.split(',').map((s) => asNodeId(s.trim()));
  for (const id of named) {
    const node = analysis.nodes.get(id);
    if (!node) return { error: `Unfreeze names '${id}', which is not a node of this graph.` };
    if (!isFrozen(node)) {
      return {
        error: `Unfreeze names ${node.label}, which is not frozen; freeze it or leave it out of the list.`,
      };
    }
  }
  return plan(named.filter((id) => modelNodes.has(id)));
}
