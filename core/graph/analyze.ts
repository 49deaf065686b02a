import type { TaskInfo } from '../contract/training.ts';
import { asNodeId, asTaskName, type NodeId, type TaskName } from '../ids.ts';
import {
  HEAD_KINDS,
  kindSpec,
  type HeadKind,
  type LossName,
  type NodeKind,
} from '../nodes/registry.ts';
import type { IncomingShape, ParamCount } from '../nodes/kind.ts';
import { metricNamesOf, type MetricName, type TaskKind } from '../tasks/registry.ts';
import { problem, type Problem } from '../problems.ts';
import type { Shape } from '../shape.ts';
import { checkDepth } from './depth.ts';
import { countWhenFrozen, isFrozen } from './trainable.ts';

import { findCycle, topologicalOrder } from './topology.ts';
import type { GraphDocument, GraphEdge, GraphNode } from './schema.ts';

export interface NodeAnalysis {
  readonly id: NodeId;
  readonly kind: NodeKind;
  /** "Conv2D 'conv1'": how messages name the node. */
  readonly label: string;
  /** Params after the kind's schema, when they are valid. */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly inputShapes: readonly Shape[];
  readonly outputShape?: Shape;
  readonly paramCount?: ParamCount;
  /** Ids of the nodes feeding each input port, in port order. */
  readonly sources: readonly NodeId[];
}

export interface HeadInfo {
  readonly nodeId: NodeId;
  readonly kind: HeadKind;
  readonly label: string;
  readonly task: TaskName;
  readonly target: string;
  readonly targetKind: TaskKind;
  readonly loss: LossName;
  readonly lossWeight: number;
  /** Numbers per sample the head outputs: the size of `shape`. */
  readonly units: number;
  /** The head's output per sample: [10] for ten classes, [H, W, C] for a head on a feature map. */
  readonly shape: Shape;
  /** Numbers per sample in the head's truth tensor (a mask's class per pixel: H·W). */
  readonly truthUnits: number;
  readonly metrics: readonly MetricName[];
  readonly params: Readonly<Record<string, unknown>>;
}

/** A head as the training events describe its task: plain JSON. */
export const taskInfoOf = (h: HeadInfo): TaskInfo => ({
  task: h.task,
  nodeId: h.nodeId,
  kind: h.kind,
  loss: h.loss,
  lossWeight: h.lossWeight,
  target: h.target,
  metrics: [...h.metrics],
});

export interface GraphAnalysis {
  readonly nodes: ReadonlyMap<NodeId, NodeAnalysis>;
  /** Shape each link carries, when known. */
  readonly edgeShapes: ReadonlyMap<string, Shape>;
  /** Topological order of all nodes; empty when the graph has a cycle. */
  readonly order: readonly NodeId[];
  readonly inputId?: NodeId;
  /** Heads in document order: the model's outputs come in this order. */
  readonly heads: readonly HeadInfo[];
  readonly problems: readonly Problem[];
  readonly totalParams: ParamCount;
  /** True when nothing stops the graph from compiling. */
  readonly ok: boolean;
}

export const nodeLabel = (node: { kind: NodeKind; id: string }): string =>
  `${kindSpec(node.kind).title} '${node.id}'`;

/**
 * Everything the editor and the compiler need to know about a graph, as a pure function of the
 * document: problems, shapes of every node and link, parameter counts, the heads.
 */
export function analyzeGraph(doc: GraphDocument): GraphAnalysis {
  const problems: Problem[] = [];
  const byId = new Map(doc.nodes.map((n) => [n.id, n] as const));
  const params = new Map<string, Record<string, unknown>>();

  for (const node of doc.nodes) {
    const parsed = checkParams(node, problems);
    if (parsed) params.set(node.id, parsed);
  }

  const inputs = doc.nodes.filter((n) => n.kind === 'Input');
  const headNodes = doc.nodes.filter((n) => kindSpec(n.kind).head);
  if (inputs.length === 0)
    problems.push(problem('E_NO_INPUT', 'The graph has no Input node; add one.'));
  if (inputs.length > 1) {
    problems.push(
      problem(
        'E_MANY_INPUTS',
        `The graph has ${inputs.length} Input nodes (${inputs.map((n) => `'${n.id}'`).join(', ')}); a model takes one image, so keep one.`,
        inputs.map((n) => asNodeId(n.id)),
      ),
    );
  }
  if (headNodes.length === 0) {
    problems.push(
      problem(
        'E_NO_HEADS',
        'The graph has no task head; add a classification, box or regression head.',
      ),
    );
  }

  const sources = connectPorts(doc, byId, params, problems);

  const cycle = findCycle(
    doc.nodes.map((n) => n.id),
    doc.edges,
  );
  if (cycle) {
    problems.push(
      problem(
        'E_CYCLE',
        `The graph has a cycle: ${[...cycle, cycle[0]].map((id) => `'${id}'`).join(' → ')}; remove one of these links.`,
        cycle.map(asNodeId),
      ),
    );
  }
  const order = cycle
    ? []
    : topologicalOrder(
        doc.nodes.map((n) => n.id),
        doc.edges,
      );

  checkDepth(order, doc.edges, problems, (id) => {
    const node = byId.get(id);
    return node ? nodeLabel(node) : `'${id}'`;
  });

  const inputId = inputs.length === 1 && inputs[0] ? asNodeId(inputs[0].id) : undefined;
  checkReachability(doc, byId, inputId, headNodes, problems);

  const nodes = new Map<NodeId, NodeAnalysis>();
  const edgeShapes = new Map<string, Shape>();
  let trainable = 0;
  let nonTrainable = 0;
  for (const id of order) {
    const node = byId.get(id);
    if (!node) continue;
    const spec = kindSpec(node.kind);
    const label = nodeLabel(node);
    const nodeParams = params.get(id);
    const from = sources.get(id) ?? [];
    const incoming: IncomingShape[] = [];
    for (const src of from) {
      const shape = src ? nodes.get(asNodeId(src))?.outputShape : undefined;
      const srcNode = src ? byId.get(src) : undefined;
      if (shape && srcNode) incoming.push({ shape, from: nodeLabel(srcNode) });
    }
    const ready =
      nodeParams !== undefined &&
      from.length === spec.inputPorts(nodeParams).length &&
      incoming.length === from.length;
    let outputShape: Shape | undefined;
    let count: ParamCount | undefined;
    if (ready) {
      const result = spec.outputShape(nodeParams, incoming, label);
      if (result.ok) {
        outputShape = result.shape;
        count = countWhenFrozen(
          spec.paramCount(
            nodeParams,
            incoming.map((i) => i.shape),
          ),
          isFrozen({ kind: node.kind, params: nodeParams }),
        );
        trainable += count.trainable;
        nonTrainable += count.nonTrainable;
      } else {
        problems.push(problem(result.code, result.message, [asNodeId(id), ...from.map(asNodeId)]));
      }
    }
    nodes.set(asNodeId(id), {
      id: asNodeId(id),
      kind: node.kind,
      label,
      ...(nodeParams ? { params: nodeParams } : {}),
      inputShapes: incoming.map((i) => i.shape),
      ...(outputShape ? { outputShape } : {}),
      ...(count ? { paramCount: count } : {}),
      sources: from.map(asNodeId),
    });
  }
  for (const edge of doc.edges) {
    const shape = nodes.get(asNodeId(edge.source))?.outputShape;
    if (shape) edgeShapes.set(edge.id, shape);
  }
  if (cycle) {
    for (const node of doc.nodes) {
      const nodeParams = params.get(node.id);
      nodes.set(asNodeId(node.id), {
        id: asNodeId(node.id),
        kind: node.kind,
        label: nodeLabel(node),
        ...(nodeParams ? { params: nodeParams } : {}),
        inputShapes: [],
        sources: (sources.get(node.id) ?? []).map(asNodeId),
      });
    }
  }

  const heads = collectHeads(headNodes, params, nodes);
  checkTaskNames(heads, problems);

  return {
    nodes,
    edgeShapes,
    order: order.map(asNodeId),
    ...(inputId ? { inputId } : {}),
    heads,
    problems,
    totalParams: { trainable, nonTrainable },
    ok: problems.every((p) => p.severity !== 'error'),
  };
}

function checkParams(node: GraphNode, problems: Problem[]): Record<string, unknown> | undefined {
  const result = kindSpec(node.kind).params.safeParse(node.params);
  if (result.success) return result.data as Record<string, unknown>;
  for (const issue of result.error.issues) {
    const field = issue.path.map(String).join('.');
    const label = nodeLabel(node);
    const message =
      issue.code === 'unrecognized_keys'
        ? `${label} has no parameter ${issue.keys.map((k) => `'${k}'`).join(', ')}.`
        : `${label}: ${field} ${lowerFirst(issue.message)} (got ${JSON.stringify(node.params[field])}).`;
    problems.push(problem('E_INVALID_PARAM', message, [asNodeId(node.id)], field ? { field } : {}));
  }
  return undefined;
}

/** Which node feeds each port, in port order; '' where a port is empty. Reports port problems. */
function connectPorts(
  doc: GraphDocument,
  byId: ReadonlyMap<string, GraphNode>,
  params: ReadonlyMap<string, Record<string, unknown>>,
  problems: Problem[],
): Map<string, string[]> {
  const incoming = new Map<string, GraphEdge[]>();
  for (const edge of doc.edges) {
    const list = incoming.get(edge.target) ?? [];
    list.push(edge);
    incoming.set(edge.target, list);
  }
  const sources = new Map<string, string[]>();
  for (const node of doc.nodes) {
    const nodeParams = params.get(node.id);
    if (!nodeParams) continue;
    const ports = kindSpec(node.kind).inputPorts(nodeParams);
    const edges = incoming.get(node.id) ?? [];
    const label = nodeLabel(node);
    for (const edge of edges) {
      if (!ports.includes(edge.targetPort)) {
        const has = ports.length
          ? `its inputs are ${ports.map((p) => `'${p}'`).join(', ')}`
          : 'it takes no input';
        problems.push(
          problem(
            'E_UNKNOWN_PORT',
            `The link from '${edge.source}' goes to input '${edge.targetPort}' of ${label}, but ${has}.`,
            [asNodeId(node.id)],
            { edgeId: edge.id as never },
          ),
        );
      }
    }
    const fed: string[] = [];
    ports.forEach((port, i) => {
      const on = edges.filter((e) => e.targetPort === port);
      const portName = ports.length > 1 ? `input ${i + 1}` : 'its input';
      if (on.length === 0) {
        problems.push(
          problem(
            'E_PORT_UNCONNECTED',
            `${label} has nothing connected to ${portName}; link a layer to it.`,
            [asNodeId(node.id)],
          ),
        );
      } else if (on.length > 1) {
        problems.push(
          problem(
            'E_PORT_OVERCONNECTED',
            `${label} has ${on.length} links into ${portName} (from ${on.map((e) => `'${e.source}'`).join(', ')}); keep one${
              ports.length === 1 ? ', or merge them with Concatenate or Add first' : ''
            }.`,
            [asNodeId(node.id)],
          ),
        );
      }
      fed.push(on.length === 1 && on[0] && byId.has(on[0].source) ? on[0].source : '');
    });
    sources.set(node.id, fed.every(Boolean) ? fed : fed.filter(Boolean));
  }
  return sources;
}

function checkReachability(
  doc: GraphDocument,
  byId: ReadonlyMap<string, GraphNode>,
  inputId: NodeId | undefined,
  headNodes: readonly GraphNode[],
  problems: Problem[],
): void {
  const forward = new Map<string, string[]>();
  const backward = new Map<string, string[]>();
  for (const e of doc.edges) {
    forward.set(e.source, [...(forward.get(e.source) ?? []), e.target]);
    backward.set(e.target, [...(backward.get(e.target) ?? []), e.source]);
  }
  const reach = (starts: readonly string[], next: ReadonlyMap<string, string[]>) => {
    const seen = new Set(starts);
    const stack = [...starts];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      for (const n of next.get(id) ?? []) {
        if (seen.has(n)) continue;
        seen.add(n);
        stack.push(n);
      }
    }
    return seen;
  };
  if (inputId) {
    const fromInput = reach([inputId], forward);
    for (const head of headNodes) {
      if (!fromInput.has(head.id)) {
        problems.push(
          problem(
            'E_HEAD_UNREACHABLE',
            `${nodeLabel(head)} is not reachable from the Input '${inputId}'; connect it to the trunk.`,
            [asNodeId(head.id)],
          ),
        );
      }
    }
  }
  if (headNodes.length === 0) return;
  const toHeads = reach(
    headNodes.map((h) => h.id),
    backward,
  );
  for (const node of doc.nodes) {
    if (!toHeads.has(node.id) && byId.has(node.id)) {
      problems.push(
        problem(
          'W_DEAD_END',
          `${nodeLabel(node)} reaches no task head, so it is not part of the model; link it towards a head or delete it.`,
          [asNodeId(node.id)],
        ),
      );
    }
  }
}

const isHeadKind = (kind: NodeKind): kind is HeadKind =>
  (HEAD_KINDS as readonly NodeKind[]).includes(kind);

function collectHeads(
  headNodes: readonly GraphNode[],
  params: ReadonlyMap<string, Record<string, unknown>>,
  nodes: ReadonlyMap<NodeId, NodeAnalysis>,
): HeadInfo[] {
  const heads: HeadInfo[] = [];
  for (const node of headNodes) {
    const spec = kindSpec(node.kind);
    const p = params.get(node.id);
    const kind = node.kind;
    if (!spec.head || !p || !isHeadKind(kind)) continue;
    // A head whose shape is unknown (its input is broken) keeps its vector width, so the
    // analysis still lists it; such a graph does not compile.
    const shape = nodes.get(asNodeId(node.id))?.outputShape ?? [spec.head.units(p)];
    const units = shape.reduce((a, b) => a * b, 1);
    heads.push({
      nodeId: asNodeId(node.id),
      kind,
      label: nodeLabel(node),
      task: asTaskName(String(p.task)),
      target: String(p.target),
      targetKind: spec.head.targetKind,
      // The params were parsed by the head kind's own schema, whose `loss` is one of these.
      loss: p.loss as LossName,
      lossWeight: Number(p.lossWeight),
      units,
      shape,
      truthUnits: spec.head.truthUnits?.(p, shape) ?? units,
      metrics: metricNamesOf(spec.head.targetKind),
      params: p,
    });
  }
  return heads;
}

function checkTaskNames(heads: readonly HeadInfo[], problems: Problem[]): void {
  const byTask = new Map<string, HeadInfo[]>();
  for (const h of heads) byTask.set(h.task, [...(byTask.get(h.task) ?? []), h]);
  for (const [task, same] of byTask) {
    if (same.length < 2) continue;
    problems.push(
      problem(
        'E_DUPLICATE_TASK',
        `${same.map((h) => h.label).join(' and ')} both use the task name '${task}'; task names must be unique.`,
        same.map((h) => h.nodeId),
      ),
    );
  }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
