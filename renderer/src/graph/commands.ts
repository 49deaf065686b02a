import { NODE_ID_PATTERN } from '../../../core/ids.ts';
import { defaultParams, kindSpec, type NodeKind } from '../../../core/nodes/registry.ts';
import type { GraphDocument, GraphNode, TrainingSettings } from '../../../core/graph/schema.ts';
import { inputPortsOf } from './ports.ts';
import { newNodeId, uniqueTaskName } from './naming.ts';

/**
 * Edits of the graph document as named, pure functions: `(doc, …) => doc`. They never mutate
 * their input and return the same document when nothing changes, so the store can skip empty
 * undo steps. Edits that can be refused return an `EditResult` whose reason is a sentence.
 */

export type EditResult =
  | { readonly ok: true; readonly document: GraphDocument }
  | { readonly ok: false; readonly reason: string };

export const accepted = (document: GraphDocument): EditResult => ({ ok: true, document });
export const refused = (reason: string): EditResult => ({ ok: false, reason });

export interface Position {
  readonly x: number;
  readonly y: number;
}

export const nodeIdsOf = (doc: GraphDocument): Set<string> => new Set(doc.nodes.map((n) => n.id));

export const taskNamesOf = (doc: GraphDocument): Set<string> =>
  new Set(
    doc.nodes
      .filter((n) => kindSpec(n.kind).head && typeof n.params.task === 'string')
      .map((n) => n.params.task as string),
  );

/** A fresh node of `kind` with default params; heads get a task name no other head uses. */
export function createNode(
  doc: GraphDocument,
  kind: NodeKind,
  position: Position,
  id?: string,
): GraphNode {
  const params = defaultParams(kind);
  if (kindSpec(kind).head && typeof params.task === 'string') {
    params.task = uniqueTaskName(params.task, taskNamesOf(doc));
  }
  return {
    id: id ?? newNodeId(kind, nodeIdsOf(doc)),
    kind,
    params,
    position: { x: position.x, y: position.y },
  };
}

/** Adds a node of `kind` at `position`; `id` when given must be free (else a new one is made). */
export function addNode(
  doc: GraphDocument,
  kind: NodeKind,
  position: Position,
  id?: string,
): GraphDocument {
  const free = id !== undefined && NODE_ID_PATTERN.test(id) && !nodeIdsOf(doc).has(id);
  return { ...doc, nodes: [...doc.nodes, createNode(doc, kind, position, free ? id : undefined)] };
}

/** Removes nodes and links; links attached to a removed node go with it. */
export function removeElements(
  doc: GraphDocument,
  nodeIds: Iterable<string>,
  edgeIds: Iterable<string> = [],
): GraphDocument {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  const keptNodes = doc.nodes.filter((n) => !nodes.has(n.id));
  const keptEdges = doc.edges.filter(
    (e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target),
  );
  if (keptNodes.length === doc.nodes.length && keptEdges.length === doc.edges.length) return doc;
  return { ...doc, nodes: keptNodes, edges: keptEdges };
}

function mapNode(
  doc: GraphDocument,
  nodeId: string,
  change: (node: GraphNode) => GraphNode,
): GraphDocument {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== nodeId) return n;
    const next = change(n);
    changed ||= next !== n;
    return next;
  });
  return changed ? { ...doc, nodes } : doc;
}

/**
 * Sets some params of a node. Values are kept as given, even out of bounds: the analysis marks
 * them on the node. A merge that now has fewer inputs loses the links to the ports it dropped.
 */
export function updateParams(
  doc: GraphDocument,
  nodeId: string,
  patch: Readonly<Record<string, unknown>>,
): GraphDocument {
  const next = mapNode(doc, nodeId, (node) => {
    const changed = Object.entries(patch).some(
      ([key, value]) => !Object.is(node.params[key], value),
    );
    return changed ? { ...node, params: { ...node.params, ...patch } } : node;
  });
  const node = next.nodes.find((n) => n.id === nodeId);
  if (next === doc || !node) return next;
  const ports = new Set(inputPortsOf(node));
  const edges = next.edges.filter((e) => e.target !== nodeId || ports.has(e.targetPort));
  return edges.length === next.edges.length ? next : { ...next, edges };
}

/** Renames a node and the links that name it; refused when the id is taken or malformed. */
export function renameNode(doc: GraphDocument, nodeId: string, newId: string): EditResult {
  if (newId === nodeId) return accepted(doc);
  if (!NODE_ID_PATTERN.test(newId)) {
    return refused(
      `'${newId}' cannot be a node id: it starts with a letter and has only letters, digits, _ and - (at most 64).`,
    );
  }
  if (nodeIdsOf(doc).has(newId))
    return refused(`The id '${newId}' is already used by another node.`);
  if (!doc.nodes.some((n) => n.id === nodeId)) return refused(`There is no node '${nodeId}'.`);
  const rename = (id: string) => (id === nodeId ? newId : id);
  return accepted({
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === nodeId ? { ...n, id: newId } : n)),
    edges: doc.edges.map((e) =>
      e.source === nodeId || e.target === nodeId
        ? { ...e, source: rename(e.source), target: rename(e.target) }
        : e,
    ),
  });
}

/** Sets a node's free-text label; an empty label removes it. */
export function setNodeLabel(doc: GraphDocument, nodeId: string, label: string): GraphDocument {
  return mapNode(doc, nodeId, (node) => {
    if ((node.label ?? '') === label) return node;
    if (label) return { ...node, label };
    const rest = { ...node };
    delete rest.label;
    return rest;
  });
}

/** Moves nodes; positions of other nodes and every link stay as they are (same objects). */
export function moveNodes(
  doc: GraphDocument,
  positions: ReadonlyMap<string, Position>,
): GraphDocument {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    const to = positions.get(n.id);
    if (!to || (to.x === n.position.x && to.y === n.position.y)) return n;
    changed = true;
    return { ...n, position: { x: to.x, y: to.y } };
  });
  return changed ? { ...doc, nodes } : doc;
}

/** The graph's name and description. */
export function updateGraphInfo(
  doc: GraphDocument,
  patch: Partial<Pick<GraphDocument, 'name' | 'description'>>,
): GraphDocument {
  const same = Object.entries(patch).every(
    ([key, value]) => doc[key as 'name' | 'description'] === value,
  );
  return same ? doc : { ...doc, ...patch };
}

/** The graph's training settings; a key set to `undefined` (e.g. `limit`) is removed. */
export function updateTraining(
  doc: GraphDocument,
  patch: Partial<TrainingSettings>,
): GraphDocument {
  const training: Record<string, unknown> = { ...doc.training };
  let changed = false;
  for (const [key, value] of Object.entries(patch)) {
    if (Object.is(training[key], value) && (value !== undefined || !(key in training))) continue;
    changed = true;
    if (value === undefined) delete training[key];
    else training[key] = value;
  }
  return changed ? { ...doc, training: training as TrainingSettings } : doc;
}
