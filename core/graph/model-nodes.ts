import type { NodeId } from '../ids.ts';
import type { GraphAnalysis } from './analyze.ts';

/**
 * The nodes a model is made of: those that reach a head. Others are left out, as Keras would
 * leave them out of the model.
 */
export function nodesFeedingHeads(analysis: GraphAnalysis): Set<NodeId> {
  const needed = new Set<NodeId>();
  const stack = analysis.heads.map((h) => h.nodeId);
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (needed.has(id)) continue;
    needed.add(id);
    stack.push(...(analysis.nodes.get(id)?.sources ?? []));
  }
  return needed;
}
