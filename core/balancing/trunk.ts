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
}

/** Which nodes of a graph the tasks share: a node is in the trunk when it feeds two heads or more. */
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
  const sharedParams = [...shared].reduce(
    (n, id) => n + (analysis.nodes.get(id)?.paramCount?.trainable ?? 0),
    0,
  );
  return { order, feeds, shared, sharedParams };
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
