import type { GraphDocument } from '../../../core/graph/schema.ts';
import { hasWeights, isFrozen, weightedNodesBefore } from '../../../core/graph/trainable.ts';

/**
 * Freezing as edits of the document: the nodes with weights among `nodeIds` get `trainable`
 * set; others (pooling, heads' inputs without weights) are left alone. The same document comes
 * back when nothing changes, so no empty undo step is recorded.
 */
export function setTrainable(
  doc: GraphDocument,
  nodeIds: readonly string[],
  trainable: boolean,
): GraphDocument {
  const ids = new Set(nodeIds);
  let changed = false;
  const nodes = doc.nodes.map((node) => {
    if (!ids.has(node.id) || !hasWeights(node.kind) || isFrozen(node) === !trainable) return node;
    changed = true;
    return { ...node, params: { ...node.params, trainable } };
  });
  return changed ? { ...doc, nodes } : doc;
}

/** Freezes every node with weights that feeds `nodeId` (not the node itself). */
export const freezeBefore = (doc: GraphDocument, nodeId: string): GraphDocument =>
  setTrainable(doc, weightedNodesBefore(doc.nodes, doc.edges, nodeId), false);

/** Of `nodeIds`, how many could be frozen and how many unfrozen (for enabling the commands). */
export function freezable(
  doc: GraphDocument,
  nodeIds: readonly string[],
): { readonly toFreeze: number; readonly toUnfreeze: number } {
  const ids = new Set(nodeIds);
  const weighted = doc.nodes.filter((n) => ids.has(n.id) && hasWeights(n.kind));
  const frozen = weighted.filter((n) => isFrozen(n)).length;
  return { toFreeze: weighted.length - frozen, toUnfreeze: frozen };
}
