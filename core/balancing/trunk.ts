import type { GraphAnalysis } from '../graph/analyze.ts';
import type { NodeId } from '../ids.ts';
import { isFrozen } from '../graph/trainable.ts';
import { BALANCING, type BalancingMethodName } from './methods.ts';

export interface TrunkLayout {
  /** The nodes that reach a head, in topological order. */
  readonly order: readonly NodeId[];
  /** Per node: the heads (by index, in head order) it feeds. */
  readonly feeds: ReadonlyMap<NodeId, ReadonlySet<number>>;
  /** The shared trunk: nodes that feed more than one head. */
  readonly shared: ReadonlySet<NodeId>;
  /** Trainable parameters in the shared trunk. */
  readonly sharedParams: number;
  /** Per head (in head order): the trunk's nodes its own layers read, the shared representation z. */
  readonly frontiers: readonly (readonly NodeId[])[];
  /**
   * The last shared layers with weights (GradNorm's W), in topological order: each frontier node
   * that has weights, else the nearest shared nodes with weights behind it. A plain trunk has one;
   * a gated model has every expert (and whatever the gates read), a cross-stitch network the last
   * layer of every column, so no one column or expert stands for the whole trunk.
   */
  readonly lastShared: readonly NodeId[];
}

/**
 * Which nodes of a graph the tasks share: a node is in the trunk when it feeds two heads or more,
 * that is when more than one task's loss depends on its weights. In a gated model (MMoE) the
 * experts feed every head through the gates, so they are the trunk and each task's gate and tower
 * are its own; in a cross-stitch network every column up to its last unit is.
 */
export function trunkLayout(analysis: GraphAnalysis): TrunkLayout {
  const feeds = new Map<NodeId, Set<number>>();
  analysis.heads.forEach((h, k) => {
    const stack: NodeId[] = [h.nodeId];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      const seen = feeds.get(id) ?? new Set<number>();
      if (seen.has(k)) continue;
      seen.add(k);
      feeds.set(id, seen);
      stack.push(...(analysis.nodes.get(id)?.sources ?? []));
    }
  });
  const order = analysis.order.filter((id) => feeds.has(id));
  const shared = new Set(order.filter((id) => (feeds.get(id)?.size ?? 0) > 1));
  const trainable = (id: NodeId) =>
    id === analysis.inputId ? 0 : (analysis.nodes.get(id)?.paramCount?.trainable ?? 0);
  const sharedParams = [...shared].reduce((n, id) => n + trainable(id), 0);
  const sourcesOf = (id: NodeId) => analysis.nodes.get(id)?.sources ?? [];
  const frontiers = analysis.heads.map((_, k) => {
    const branch = order.filter((id) => !shared.has(id) && feeds.get(id)?.has(k));
    return [...new Set(branch.flatMap(sourcesOf).filter((s) => shared.has(s)))];
  });
  const last = new Set<NodeId>();
  const stack = [...new Set(frontiers.flat())];
  const seen = new Set<NodeId>();
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (trainable(id) > 0) last.add(id);
    else stack.push(...sourcesOf(id).filter((s) => shared.has(s)));
  }
  const lastShared = order.filter((id) => last.has(id));
  return { order, feeds, shared, sharedParams, frontiers, lastShared };
}

/** The shared nodes with weights that are frozen, in order. */
export function frozenTrunk(analysis: GraphAnalysis, layout = trunkLayout(analysis)): NodeId[] {
  return layout.order.filter((id) => {
    const node = analysis.nodes.get(id);
    return layout.shared.has(id) && node !== undefined && isFrozen(node);
  });
}

/**
 * Why a method cannot train this graph, as a sentence, or undefined when it can. Gradient-level
 * methods need at least two tasks that share trainable layers; a trunk frozen for the whole run
 * (none of its nodes in `unfrozenLater`) has no gradient to balance.
 */
export function balancingRefusal(
  analysis: GraphAnalysis,
  method: BalancingMethodName,
  unfrozenLater: ReadonlySet<NodeId> = new Set(),
): string | undefined {
  if (BALANCING[method].level !== 'gradient') return undefined;
  const loss = 'choose fixed or a loss-level method (uncertainty, dwa, gradnorm, famo)';
  if (analysis.heads.length < 2) {
    return `${method} balances the gradients of several tasks on a shared trunk, but this graph has ${analysis.heads.length} task; ${loss}.`;
  }
  const layout = trunkLayout(analysis);
  if (layout.sharedParams > 0) return undefined;
  const frozen = frozenTrunk(analysis, layout);
  if (frozen.length === 0) {
    return `${method} balances the tasks' gradients on the layers they share, but in this graph no layer with weights feeds more than one head; ${loss}.`;
  }
  if (frozen.some((id) => unfrozenLater.has(id))) return undefined;
  return `${method} balances the tasks' gradients on the layers they share, but every shared layer with weights is frozen (${frozen.map((id) => analysis.nodes.get(id)?.label ?? id).join(', ')}), so the trunk has no gradient; unfreeze one, or ${loss}.`;
}
