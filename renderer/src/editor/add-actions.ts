import type { Edge, Node, ReactFlowInstance } from '@xyflow/react';
import { kindSpec, type NodeKind } from '../../../core/nodes/registry.ts';
import type { ProblemCode } from '../../../core/problems.ts';
import { datasetLabel } from '../datasets/import-draft.ts';
import { addAfter } from '../graph/add-after.ts';
import { fitHeadsToDataset, fitSentence } from '../graph/fit-heads.ts';
import { linkInOrder } from '../graph/connect.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { flowDirectionOf, NODE_WIDTH } from '../graph/layout.ts';
import { showNotice, useUiStore } from './ui-store.ts';
import { knownTargets } from './use-datasets.ts';
import { motion } from './viewport.ts';

const graph = () => useGraphStore.getState();

/** Problems a new link can cause on the node it feeds: said at once, not only marked. */
const SHAPE_CODES: ReadonlySet<ProblemCode> = new Set([
  'E_SHAPE_MISMATCH',
  'E_DENSE_RANK',
  'E_MERGE_SHAPES',
  'E_EMPTY_OUTPUT',
]);

/** Scrolls the canvas to a node that landed outside the view; the zoom stays. */
function revealNode<N extends Node, E extends Edge>(rf: ReactFlowInstance<N, E>, id: string) {
  const pane = document.querySelector('.studio-flow .react-flow')?.getBoundingClientRect();
  const node = graph().document.nodes.find((n) => n.id === id);
  if (!pane || !node) return;
  const { x, y, zoom } = rf.getViewport();
  const left = node.position.x * zoom + x;
  const top = node.position.y * zoom + y;
  const inside =
    left >= 0 &&
    top >= 0 &&
    left + NODE_WIDTH * zoom <= pane.width &&
    top + 100 * zoom <= pane.height;
  if (!inside) {
    void rf.setCenter(node.position.x + NODE_WIDTH / 2, node.position.y + 50, {
      zoom,
      duration: motion(200),
    });
  }
}

/**
 * A palette click with one node selected: the new node goes after it, linked from it, with
 * the head's target taken from the dataset, and becomes the selection, so the next click
 * continues the chain. One undo step takes back the node and its link.
 */
export function addAfterSelected<N extends Node, E extends Edge>(
  rf: ReactFlowInstance<N, E>,
  kind: NodeKind,
  afterId: string,
): void {
  const before = graph().document;
  const direction = flowDirectionOf(before);
  const targets = knownTargets(before.training.dataset);
  let refusedLink: string | undefined;
  let added: string | undefined;
  const result = graph().attempt(`Add ${kindSpec(kind).title} after '${afterId}'`, (d) => {
    const r = addAfter(d, kind, afterId, direction, targets);
    refusedLink = r.ok ? r.linkRefused : undefined;
    added = r.ok ? r.nodeId : undefined;
    return r;
  });
  if (!result.ok) {
    showNotice(result.reason);
    return;
  }
  if (added === undefined) return;
  graph().select({ nodeIds: [added], edgeIds: [] });
  const id = added;
  const shape = graph().analysis.problems.find(
    (p) => p.nodeIds[0] === id && SHAPE_CODES.has(p.code),
  );
  if (refusedLink) showNotice(refusedLink);
  else if (shape) showNotice(shape.message);
  revealNode(rf, id);
}

/** The keyboard way to link: the selected nodes, in the order they were selected, one after another. */
export function linkSelected(): void {
  const { nodeIds } = graph().selection;
  const result = graph().attempt(
    nodeIds.length > 2 ? `Link ${nodeIds.length} nodes` : 'Link',
    (d) => linkInOrder(d, nodeIds),
  );
  if (!result.ok) showNotice(result.reason);
}

/**
 * Fits every head to the graph's dataset (targets, widths, a head per target left over) as one
 * undo step, and says what changed: after choosing another dataset, one click instead of a fix
 * per head.
 */
export function fitHeadsToCurrentDataset(): void {
  const before = graph().document;
  const dataset = before.training.dataset;
  const targets = knownTargets(dataset);
  if (targets.length === 0) {
    showNotice(`The targets of ${dataset} are not known yet: inspect the dataset first.`);
    return;
  }
  let sentence = '';
  let added = 0;
  graph().attempt(`Fit heads to ${dataset}`, (d) => {
    const r = fitHeadsToDataset(d, targets, flowDirectionOf(d));
    if (r.ok && r.fit) {
      sentence = fitSentence(r.fit, datasetLabel(dataset));
      added = r.fit.added.length;
    }
    return r;
  });
  if (sentence) showNotice(sentence, 'hint');
  if (added > 0) useUiStore.getState().requestFit();
}
