import type { Edge, FitViewOptions, Node, ReactFlowInstance } from '@xyflow/react';
import { kindSpec } from '../../../core/nodes/registry.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { flowDirectionOf } from '../graph/layout.ts';

/**
 * The smallest zoom a fit goes to: node text (10–12 px) stays at 7.5 px or more and handles at
 * 7.5 px, big enough to read and to hit. A graph larger than the window at this zoom is shown
 * from its heads, and the rest is a scroll away (the minimap shows where).
 */
export const READABLE_ZOOM = 0.75;
const MAX_FIT_ZOOM = 1.25;

/**
 * How long a view change animates: not at all for a user who asks the system for reduced
 * motion (the end-to-end tests ask too, so a click never lands on a moving canvas).
 */
export function motion(ms: number): number | undefined {
  const reduced = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  return reduced ? undefined : ms;
}
const MARGIN = 24;
/** The minimap's size (Canvas.tsx draws it) and its distance from the canvas' corner. */
export const MINIMAP_SIZE = { width: 150, height: 100 } as const;
const MINIMAP_ROOM = 15 + MARGIN;

/**
 * Fits the graph in the canvas, never below a readable zoom, and never with a node under the
 * minimap in the bottom-right corner. A graph that does not fit is shown at READABLE_ZOOM from
 * its heads' end (its right edge, or its bottom when it flows downwards), centred across on the
 * heads: the heads are what make the graph multi-task and where a newcomer looks for the tasks,
 * and the Input that is then a scroll away is one node the minimap points to. Waits for the
 * nodes to be measured, as fitView does.
 */
export async function fitReadable<N extends Node, E extends Edge>(
  rf: ReactFlowInstance<N, E>,
  doc: GraphDocument,
  duration?: number,
): Promise<void> {
  // Fit what is there once every node has its size: a fit queued while some are still being
  // measured can fit the first of them alone.
  for (let frame = 0; frame < 30 && !allMeasured(rf.getNodes()); frame++) await nextFrame();
  const animate = duration === undefined ? undefined : motion(duration);
  const direction = flowDirectionOf(doc);
  // The end the heads are at keeps clear of the minimap.
  const end = (size: number): `${number}px` => `${size + MINIMAP_ROOM}px`;
  const padding: FitViewOptions['padding'] =
    direction === 'LR'
      ? { top: '16px', left: '24px', bottom: '16px', right: end(MINIMAP_SIZE.width) }
      : { top: '16px', left: '24px', right: '24px', bottom: end(MINIMAP_SIZE.height) };
  await rf.fitView({ padding, maxZoom: MAX_FIT_ZOOM, ...(animate ? { duration: animate } : {}) });
  if (rf.getZoom() >= READABLE_ZOOM - 1e-6) return;
  const pane = document.querySelector('.studio-flow .react-flow')?.getBoundingClientRect();
  const nodes = rf.getNodes();
  if (!pane || nodes.length === 0) return;
  const headIds = new Set(doc.nodes.filter((n) => kindSpec(n.kind).head).map((n) => n.id));
  const heads = nodes.filter((n) => headIds.has(n.id));
  const b = rf.getNodesBounds(nodes);
  const h = heads.length > 0 ? rf.getNodesBounds(heads) : undefined;
  const z = READABLE_ZOOM;
  const lr = direction === 'LR';
  // Across the flow: the whole graph centred where it fits, else the heads centred.
  const [size, start, extent] = lr ? [pane.height, b.y, b.height] : [pane.width, b.x, b.width];
  const [hStart, hExtent] = h ? (lr ? [h.y, h.height] : [h.x, h.width]) : [start, extent];
  const cross =
    extent * z <= size - 2 * MARGIN
      ? (size - extent * z) / 2 - start * z
      : (size - hExtent * z) / 2 - hStart * z;
  // Along the flow: from the heads' end, kept clear of the minimap where the heads would meet it
  // (it sits in the bottom-right corner), or from the Input where there are no heads.
  const mini = lr ? MINIMAP_SIZE.height : MINIMAP_SIZE.width;
  const meetsMinimap = cross + (hStart + hExtent) * z > size - mini - MINIMAP_ROOM;
  const room = meetsMinimap
    ? (lr ? MINIMAP_SIZE.width : MINIMAP_SIZE.height) + MINIMAP_ROOM
    : MARGIN;
  const [alongSize, alongStart, alongExtent] = lr
    ? [pane.width, b.x, b.width]
    : [pane.height, b.y, b.height];
  const along = h ? alongSize - room - (alongStart + alongExtent) * z : MARGIN - alongStart * z;
  const [x, y] = lr ? [along, cross] : [cross, along];
  await rf.setViewport({ x, y, zoom: z }, animate ? { duration: animate } : undefined);
}

const allMeasured = (nodes: readonly Node[]) =>
  nodes.every((n) => (n.measured?.width ?? 0) > 0 && (n.measured?.height ?? 0) > 0);

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

/** The canvas' size on screen, for choosing a layout that fits it; a usual size before it shows. */
export function canvasSize(): { width: number; height: number } {
  const pane = document.querySelector('.studio-flow .react-flow')?.getBoundingClientRect();
  return pane && pane.width > 0 && pane.height > 0
    ? { width: pane.width, height: pane.height }
    : { width: 900, height: 460 };
}
