import dagre from '@dagrejs/dagre';
import { kindSpec } from '../../../core/nodes/registry.ts';
import type { GraphDocument, GraphNode } from '../../../core/graph/schema.ts';
import { inputPortsOf } from './ports.ts';

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** The width every node is drawn with (editor.css uses the same number). */
export const NODE_WIDTH = 180;

/** Before the canvas has measured a node: the height its face usually takes. */
export function estimateNodeSize(node: GraphNode): Size {
  const lines = kindSpec(node.kind).head ? 4 : 3;
  const ports = inputPortsOf(node).length;
  return { width: NODE_WIDTH, height: Math.max(22 + lines * 18, 16 + ports * 22) };
}

export interface LayoutOptions {
  /** Measured sizes by node id; nodes missing here use `estimateNodeSize`. */
  readonly sizes?: ReadonlyMap<string, Size>;
  /** Space between columns: room for the shape label on each link. */
  readonly rankGap?: number;
  readonly nodeGap?: number;
}

/**
 * Lays the graph out left to right (dagre): the Input on the left, the heads on the right,
 * with room between columns for the shape on every link. Only positions change.
 */
export function autoLayout(doc: GraphDocument, options: LayoutOptions = {}): GraphDocument {
  if (doc.nodes.length === 0) return doc;
  const g = new dagre.graphlib.Graph<
    object,
    { width: number; height: number; x?: number; y?: number }
  >();
  g.setGraph({
    rankdir: 'LR',
    ranksep: options.rankGap ?? 90,
    nodesep: options.nodeGap ?? 36,
    marginx: 0,
    marginy: 0,
  });
  g.setDefaultEdgeLabel(() => ({}));
  const sizes = new Map<string, Size>();
  for (const node of doc.nodes) {
    const size = options.sizes?.get(node.id) ?? estimateNodeSize(node);
    sizes.set(node.id, size);
    g.setNode(node.id, { width: size.width, height: size.height });
  }
  // Merge ports in order, so in0 comes out above in1.
  const edges = [...doc.edges].sort((a, b) => a.targetPort.localeCompare(b.targetPort));
  for (const e of edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const nodes = doc.nodes.map((node) => {
    const placed = g.node(node.id);
    const size = sizes.get(node.id);
    if (!placed || placed.x === undefined || placed.y === undefined || !size) return node;
    // dagre gives centres; the document keeps top-left corners, on whole pixels.
    const x = Math.round(placed.x - size.width / 2);
    const y = Math.round(placed.y - size.height / 2);
    return x === node.position.x && y === node.position.y ? node : { ...node, position: { x, y } };
  });
  return nodes.every((n, i) => n === doc.nodes[i]) ? doc : { ...doc, nodes };
}
