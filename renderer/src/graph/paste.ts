import { z } from 'zod';
import { kindSpec } from '../../../core/nodes/registry.ts';
import {
  graphEdgeSchema,
  graphNodeSchema,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
} from '../../../core/graph/schema.ts';
import { nodeIdsOf, taskNamesOf, type Position } from './commands.ts';
import { copyNodeId, newEdgeId, uniqueTaskName } from './naming.ts';

export const CLIPBOARD_FORMAT = 'multitask-studio/clipboard';

/** What Copy puts on the clipboard: some nodes and the links among them. */
export const clipboardContentSchema = z.object({
  format: z.literal(CLIPBOARD_FORMAT),
  nodes: z.array(graphNodeSchema).min(1),
  edges: z.array(graphEdgeSchema),
});
export type ClipboardContent = z.infer<typeof clipboardContentSchema>;

/** The selected nodes with the links between them; links to nodes left behind are dropped. */
export function copySelection(
  doc: GraphDocument,
  nodeIds: Iterable<string>,
): ClipboardContent | undefined {
  const ids = new Set(nodeIds);
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  if (nodes.length === 0) return undefined;
  const edges = doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return { format: CLIPBOARD_FORMAT, nodes, edges };
}

/** Reads clipboard text written by `copySelection` (from this window or another one). */
export function parseClipboardText(text: string): ClipboardContent | undefined {
  try {
    const parsed = clipboardContentSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds copies of the clipboard's nodes, moved by `offset`. Each copy gets a free id (its own
 * when free, else `conv1_2`, …) and each head a task name no other head uses; links among the
 * copies are kept, links to anything else were never copied.
 */
export function paste(
  doc: GraphDocument,
  clip: ClipboardContent,
  offset: Position = { x: 40, y: 40 },
): GraphDocument {
  const takenIds = nodeIdsOf(doc);
  const takenTasks = taskNamesOf(doc);
  const newIds = new Map<string, string>();
  const nodes: GraphNode[] = clip.nodes.map((node) => {
    const id = copyNodeId(node.id, takenIds);
    takenIds.add(id);
    newIds.set(node.id, id);
    const params = { ...node.params };
    const task = params.task;
    if (kindSpec(node.kind).head && typeof task === 'string') {
      const unique = uniqueTaskName(task, takenTasks);
      params.task = unique;
      takenTasks.add(unique);
    }
    return {
      ...node,
      id,
      params,
      position: { x: node.position.x + offset.x, y: node.position.y + offset.y },
    };
  });
  const takenEdges = new Set(doc.edges.map((e) => e.id));
  const edges: GraphEdge[] = [];
  for (const e of clip.edges) {
    const source = newIds.get(e.source);
    const target = newIds.get(e.target);
    if (!source || !target) continue;
    const id = newEdgeId(source, target, e.targetPort, takenEdges);
    takenEdges.add(id);
    edges.push({ id, source, target, targetPort: e.targetPort });
  }
  return { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges] };
}

/** Copy and paste in one: the nodes, their links among themselves, a little down and right. */
export function duplicate(
  doc: GraphDocument,
  nodeIds: Iterable<string>,
  offset: Position = { x: 40, y: 40 },
): GraphDocument {
  const clip = copySelection(doc, nodeIds);
  return clip ? paste(doc, clip, offset) : doc;
}

/** Ids of nodes in `after` that `before` did not have: what a paste added, to select them. */
export function addedNodeIds(before: GraphDocument, after: GraphDocument): string[] {
  const had = nodeIdsOf(before);
  return after.nodes.filter((n) => !had.has(n.id)).map((n) => n.id);
}
