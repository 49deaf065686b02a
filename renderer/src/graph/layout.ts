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

/** Which way a graph flows: Input on the left and heads on the right, or Input on top. */
export type FlowDirection = 'LR' | 'TB';

export interface LayoutOptions {
  readonly direction?: FlowDirection;
  /** Measured sizes by node id; nodes missing here use `estimateNodeSize`. */
  readonly sizes?: ReadonlyMap<string, Size>;
  /** Space between columns: room for the shape label on each link. */
  readonly rankGap?: number;
  readonly nodeGap?: number;
}

/**
 * Lays the graph out (dagre) left to right, the Input on the left and the heads on the right,
 * or top to bottom, with room between ranks for the shape on every link. Only positions change.
 */
export function autoLayout(doc: GraphDocument, options: LayoutOptions = {}): GraphDocument {
  if (doc.nodes.length === 0) return doc;
  const g = new dagre.graphlib.Graph<
    object,
    { width: number; height: number; x?: number; y?: number }
  >();
  g.setGraph({
    rankdir: options.direction ?? 'LR',
    // Top to bottom, a link's shape label sits beside it: the ranks need less room.
    ranksep: options.rankGap ?? (options.direction === 'TB' ? 50 : 90),
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

/** The box the nodes cover, with their (estimated or measured) sizes. */
export function graphBounds(
  doc: GraphDocument,
  sizes?: ReadonlyMap<string, Size>,
): { x: number; y: number; width: number; height: number } {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const node of doc.nodes) {
    const size = sizes?.get(node.id) ?? estimateNodeSize(node);
    x0 = Math.min(x0, node.position.x);
    y0 = Math.min(y0, node.position.y);
    x1 = Math.max(x1, node.position.x + size.width);
    y1 = Math.max(y1, node.position.y + size.height);
  }
  return doc.nodes.length === 0
    ? { x: 0, y: 0, width: 0, height: 0 }
    : { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The zoom at which a box of `width` × `height` fills a window of `view`, with some margin. */
export const fitZoom = (width: number, height: number, view: Size, padding = 0.15): number =>
  Math.min(view.width / (width * (1 + padding)), view.height / (height * (1 + padding)));

/**
 * The layout that shows the graph larger in a window of `view`: a long chain in a wide window
 * goes left to right, a deep one in a tall (or narrow) window top to bottom.
 */
export function bestLayout(
  doc: GraphDocument,
  view: Size,
  sizes?: ReadonlyMap<string, Size>,
): { direction: FlowDirection; document: GraphDocument } {
  const across = autoLayout(doc, { sizes, direction: 'LR' });
  const down = autoLayout(doc, { sizes, direction: 'TB' });
  const zoomOf = (d: GraphDocument) => {
    const b = graphBounds(d, sizes);
    return Math.min(1.25, fitZoom(b.width, b.height, view));
  };
  // Left to right reads as the design drew it: top to bottom must show the nodes clearly larger.
  return zoomOf(down) > zoomOf(across) * 1.1
    ? { direction: 'TB', document: down }
    : { direction: 'LR', document: across };
}

/** The way a drawn graph flows, read from its links: mostly downwards is top to bottom. */
export function flowDirectionOf(doc: GraphDocument): FlowDirection {
  const at = new Map(doc.nodes.map((n) => [n.id, n.position]));
  let [dx, dy] = [0, 0];
  for (const e of doc.edges) {
    const a = at.get(e.source);
    const b = at.get(e.target);
    if (!a || !b) continue;
    dx += Math.abs(b.x - a.x);
    dy += Math.max(0, b.y - a.y);
  }
  return dy > dx ? 'TB' : 'LR';
}
