import type { DatasetInfo } from '../../../core/contract/host.ts';
import type { GraphDocument, GraphNode } from '../../../core/graph/schema.ts';
import { defaultParams, kindSpec, type NodeKind } from '../../../core/nodes/registry.ts';
import { targetWidth, taskSpec } from '../../../core/tasks/registry.ts';
import {
  accepted,
  addNode,
  taskNamesOf,
  updateParams,
  type EditResult,
  type Position,
} from './commands.ts';
import { connect } from './connect.ts';
import { estimateNodeSize, NODE_WIDTH, type FlowDirection, type Size } from './layout.ts';
import { uniqueTaskName } from './naming.ts';
import { inputPortsOf } from './ports.ts';

type Target = DatasetInfo['targets'][number];

/** Room between a node and the one added after it: the link's shape label fits between. */
const GAP: Readonly<Record<FlowDirection, number>> = { LR: 90, TB: 50 };
/** How far a placement moves across the flow when the spot is taken. */
const STEP = 24;

/**
 * Params that make a new head learn a target of the dataset that no head learns yet, of the
 * head's kind, with the target's class or column count and the target's name as its task:
 * a head added to a graph that trains on `shapes` is ready to train. Nothing for a non-head or
 * when the dataset has no fitting target.
 */
export function headParamsForDataset(
  doc: GraphDocument,
  kind: NodeKind,
  targets: readonly Target[],
): Record<string, unknown> {
  const head = kindSpec(kind).head;
  if (!head) return {};
  const used = new Set(
    doc.nodes.filter((n) => kindSpec(n.kind).head).map((n) => String(n.params.target)),
  );
  const fitting = targets.filter((t) => t.kind === head.targetKind);
  const target = fitting.find((t) => !used.has(t.name)) ?? fitting[0];
  if (!target) return {};
  const defaults = defaultParams(kind);
  const patch: Record<string, unknown> = { target: target.name };
  const taskSchema = kindSpec(kind).params.shape.task;
  const task = uniqueTaskName(target.name, taskNamesOf(doc));
  if (taskSchema?.safeParse(task).success) patch.task = task;
  // The head's width param (classes, units, attributes) follows the target's width.
  const width = taskSpec(target.kind).widthParam;
  if (width && width.field in defaults) patch[width.field] = targetWidth(target);
  return patch;
}

const overlaps = (a: Position, size: Size, node: GraphNode) => {
  const b = estimateNodeSize(node);
  return (
    a.x < node.position.x + b.width &&
    node.position.x < a.x + size.width &&
    a.y < node.position.y + b.height &&
    node.position.y < a.y + size.height
  );
};

/** The first free spot after `from` along the flow, moving across it while a node is in the way. */
export function spotAfter(
  doc: GraphDocument,
  from: GraphNode,
  kind: NodeKind,
  direction: FlowDirection,
): Position {
  const size = estimateNodeSize({
    id: '',
    kind,
    params: defaultParams(kind),
    position: { x: 0, y: 0 },
  });
  const fromSize = estimateNodeSize(from);
  const base =
    direction === 'LR'
      ? { x: from.position.x + NODE_WIDTH + GAP.LR, y: from.position.y }
      : { x: from.position.x, y: from.position.y + fromSize.height + GAP.TB };
  for (let i = 0; i < 200; i++) {
    // 0, +1, -1, +2, -2… steps across the flow: siblings fan out on both sides.
    const k = i === 0 ? 0 : (i % 2 === 1 ? 1 : -1) * Math.ceil(i / 2);
    const at =
      direction === 'LR'
        ? { x: base.x, y: base.y + k * (size.height / 2 + STEP) }
        : { x: base.x + k * (NODE_WIDTH / 2 + STEP), y: base.y };
    if (!doc.nodes.some((n) => n.id !== from.id && overlaps(at, size, n))) return at;
  }
  return base;
}

/**
 * Adds a node of `kind` after `afterId` and links it from there, as one edit: placed along the
 * flow (right of it, or below), on a free spot. After a task head, which has no output, the
 * new node goes beside it, fed by what feeds the head: three heads on one trunk are three
 * clicks. A link the rules refuse leaves the node unlinked, with the reason. Heads get their
 * target from the dataset's `targets`.
 */
export function addAfter(
  doc: GraphDocument,
  kind: NodeKind,
  afterId: string,
  direction: FlowDirection,
  targets: readonly Target[],
): EditResult & { readonly nodeId?: string; readonly linkRefused?: string } {
  const selected = doc.nodes.find((n) => n.id === afterId);
  if (!selected) return { ok: false, reason: `There is no node '${afterId}'.` };
  const feeder = kindSpec(selected.kind).head
    ? doc.edges.find((e) => e.target === selected.id)?.source
    : selected.id;
  const from = doc.nodes.find((n) => n.id === feeder) ?? selected;
  const at = spotAfter(doc, from, kind, direction);
  const added = addNode(doc, kind, { x: Math.round(at.x), y: Math.round(at.y) });
  const node = added.nodes.at(-1);
  if (!node) return accepted(added);
  const fitted = updateParams(added, node.id, headParamsForDataset(doc, kind, targets));
  const port = inputPortsOf(node)[0];
  if (feeder === undefined || port === undefined) return { ...accepted(fitted), nodeId: node.id };
  const linked = connect(fitted, feeder, node.id, port);
  return linked.ok
    ? { ...linked, nodeId: node.id }
    : { ...accepted(fitted), nodeId: node.id, linkRefused: linked.reason };
}
