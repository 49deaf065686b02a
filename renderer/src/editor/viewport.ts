import type { Edge, Node, ReactFlowInstance } from '@xyflow/react';
import type { FlowDirection } from '../graph/layout.ts';

/**
 * The smallest zoom a fit goes to: node text (10–12 px) stays at 7.5 px or more and handles at
 * 7.5 px, big enough to read and to hit. A graph larger than the window at this zoom is shown
 * from its Input, and the rest is a scroll away (the minimap shows where).
 */
export const READABLE_ZOOM = 0.75;
export const FIT = { padding: 0.15, maxZoom: 1.25 } as const;

/**
 * How long a view change animates: not at all for a user who asks the system for reduced
 * motion (the end-to-end tests ask too, so a click never lands on a moving canvas).
 */
export function motion(ms: number): number | undefined {
  const reduced = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  return reduced ? undefined : ms;
}
const MARGIN = 24;

/**
 * Fits the graph in the canvas, never below a readable zoom: a graph that does not fit is
 * shown at READABLE_ZOOM from its start (its left edge, or its top when it flows downwards),
 * centred across. Waits for the nodes to be measured, as fitView does.
 */
export async function fitReadable<N extends Node, E extends Edge>(
  rf: ReactFlowInstance<N, E>,
  direction: FlowDirection,
  duration?: number,
): Promise<void> {
  // Fit what is there once every node has its size: a fit queued while some are still being
  // measured can fit the first of them alone.
  for (let frame = 0; frame < 30 && !allMeasured(rf.getNodes()); frame++) await nextFrame();
  const animate = duration === undefined ? undefined : motion(duration);
  await rf.fitView({ ...FIT, ...(animate ? { duration: animate } : {}) });
  if (rf.getZoom() >= READABLE_ZOOM - 1e-6) return;
  const pane = document.querySelector('.studio-flow .react-flow')?.getBoundingClientRect();
  const nodes = rf.getNodes();
  if (!pane || nodes.length === 0) return;
  const b = rf.getNodesBounds(nodes);
  const z = READABLE_ZOOM;
  const centre = (size: number, start: number, extent: number) =>
    extent * z <= size - 2 * MARGIN ? (size - extent * z) / 2 - start * z : MARGIN - start * z;
  const x = direction === 'LR' ? MARGIN - b.x * z : centre(pane.width, b.x, b.width);
  const y = direction === 'TB' ? MARGIN - b.y * z : centre(pane.height, b.y, b.height);
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
