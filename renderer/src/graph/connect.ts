import { nodeLabel } from '../../../core/graph/analyze.ts';
import type { GraphDocument, GraphEdge } from '../../../core/graph/schema.ts';
import { accepted, refused, type EditResult } from './commands.ts';
import { newEdgeId } from './naming.ts';
import { hasOutput, inputPortsOf } from './ports.ts';

/**
 * The connect rules, shared by a new link and a reconnected one: no self-loop, no duplicate,
 * nothing from a task head, only ports the target has (Input has none), no cycle. A port that
 * already has a link gets the new one instead: every port takes exactly one link.
 */
export function connect(
  doc: GraphDocument,
  source: string,
  target: string,
  targetPort = 'in',
): EditResult {
  return link(doc, doc.edges, source, target, targetPort);
}

export interface ReconnectChange {
  readonly source?: string;
  readonly target?: string;
  readonly targetPort?: string;
}

/** Moves one end (or both) of an existing link, with the same rules as `connect`. */
export function reconnect(doc: GraphDocument, edgeId: string, change: ReconnectChange): EditResult {
  const old = doc.edges.find((e) => e.id === edgeId);
  if (!old) return refused(`There is no link '${edgeId}'.`);
  const source = change.source ?? old.source;
  const target = change.target ?? old.target;
  const targetPort = change.targetPort ?? (target === old.target ? old.targetPort : 'in');
  if (source === old.source && target === old.target && targetPort === old.targetPort) {
    return accepted(doc);
  }
  return link(
    doc,
    doc.edges.filter((e) => e.id !== edgeId),
    source,
    target,
    targetPort,
  );
}

function link(
  doc: GraphDocument,
  edges: readonly GraphEdge[],
  source: string,
  target: string,
  targetPort: string,
): EditResult {
  const from = doc.nodes.find((n) => n.id === source);
  const to = doc.nodes.find((n) => n.id === target);
  if (!from) return refused(`There is no node '${source}' to link from.`);
  if (!to) return refused(`There is no node '${target}' to link to.`);
  if (source === target) return refused(`${nodeLabel(from)} cannot feed itself.`);
  if (!hasOutput(from)) {
    return refused(`${nodeLabel(from)} is a task output; nothing can be linked from it.`);
  }
  const ports = inputPortsOf(to);
  if (ports.length === 0) {
    return refused(`${nodeLabel(to)} takes no input: the image enters the model there.`);
  }
  if (!ports.includes(targetPort)) {
    return refused(
      `${nodeLabel(to)} has no input '${targetPort}'; its inputs are ${ports.map((p) => `'${p}'`).join(', ')}.`,
    );
  }
  if (
    edges.some((e) => e.source === source && e.target === target && e.targetPort === targetPort)
  ) {
    return refused(`'${source}' is already linked to this input of ${nodeLabel(to)}.`);
  }
  const loop = pathBetween(edges, target, source);
  if (loop) {
    return refused(
      `Linking '${source}' to '${target}' would make a cycle (${[...loop, target].map((id) => `'${id}'`).join(' → ')}); a model computes in one direction.`,
    );
  }
  // One link per port: the new link replaces whatever fed this port before.
  const kept = edges.filter((e) => !(e.target === target && e.targetPort === targetPort));
  const id = newEdgeId(source, target, targetPort, new Set(kept.map((e) => e.id)));
  return accepted({ ...doc, edges: [...kept, { id, source, target, targetPort }] });
}

/** A path of node ids from `start` to `end` along the links, or undefined when there is none. */
function pathBetween(
  edges: readonly GraphEdge[],
  start: string,
  end: string,
): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const cameFrom = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (id === end) {
      const path = [id];
      for (let at = id; at !== start;) {
        at = cameFrom.get(at) as string;
        path.unshift(at);
      }
      return path;
    }
    for (const n of next.get(id) ?? []) {
      if (cameFrom.has(n)) continue;
      cameFrom.set(n, id);
      queue.push(n);
    }
  }
  return undefined;
}

/**
 * Links nodes one after another in the given order (the order they were selected): each into
 * the next one's first free input port, or its first port. At least two nodes; the first
 * refusal, with its reason, refuses the whole edit.
 */
export function linkInOrder(doc: GraphDocument, nodeIds: readonly string[]): EditResult {
  if (nodeIds.length < 2) {
    return refused(
      'Select the node to link from, then the node to link to (Ctrl-click or Shift-click), and press K.',
    );
  }
  let current = doc;
  for (let i = 1; i < nodeIds.length; i++) {
    const source = nodeIds[i - 1] as string;
    const target = nodeIds[i] as string;
    const node = current.nodes.find((n) => n.id === target);
    const ports = node ? inputPortsOf(node) : [];
    const free = ports.find(
      (p) => !current.edges.some((e) => e.target === target && e.targetPort === p),
    );
    const result = connect(current, source, target, free ?? ports[0] ?? 'in');
    if (!result.ok) return result;
    current = result.document;
  }
  return accepted(current);
}
