import type { GraphAnalysis, NodeAnalysis } from '../../../core/graph/analyze.ts';
import { formatBytes } from '../../../core/format.ts';
import { nodeMemory } from '../../../core/graph/memory.ts';
import { isFrozen } from '../../../core/graph/trainable.ts';
import type { GraphNode, TrainingSettings } from '../../../core/graph/schema.ts';
import type { NodeCategory } from '../../../core/nodes/kind.ts';
import { defaultParams, kindSpec, type NodeKind } from '../../../core/nodes/registry.ts';
import type { Problem, ProblemCode } from '../../../core/problems.ts';
import { formatShape } from '../../../core/shape.ts';
import { hasOutput, inputPortsOf } from '../graph/ports.ts';
import { thousands } from './format.ts';

/**
 * What a node's face shows, as flat strings and numbers: two views with the same fields draw
 * the same, so the canvas can keep a node's data object (and skip its render) while it is.
 */
export interface NodeView {
  readonly id: string;
  readonly kind: NodeKind;
  readonly title: string;
  readonly category: NodeCategory;
  readonly label: string | undefined;
  /** Key params in a few words, from the kind's `describe`. */
  readonly detail: string;
  readonly shape: string | undefined;
  /** Parameter count with thousands separators. */
  readonly params: string | undefined;
  /** Memory the node needs in training (weights, gradients, optimizer state, activations). */
  readonly memory: string | undefined;
  readonly error: string | undefined;
  readonly warning: string | undefined;
  /** Input port ids, joined by spaces (a string keeps the view flat). */
  readonly ports: string;
  readonly hasOutput: boolean;
  readonly task: string | undefined;
  readonly lossWeight: string | undefined;
  /** Its weights do not train (the node's `trainable` is off). */
  readonly frozen: boolean;
}

export interface NodeProblems {
  readonly error?: string;
  readonly warning?: string;
}

/**
 * Problems whose first node is the one at fault and the rest only feed it: "Dense 'fc' expects
 * a vector but 'pool' gives …" marks fc, not pool.
 */
const ABOUT_FIRST_NODE: ReadonlySet<ProblemCode> = new Set([
  'E_SHAPE_MISMATCH',
  'E_DENSE_RANK',
  'E_MERGE_SHAPES',
  'E_EMPTY_OUTPUT',
]);

/** The nodes a problem is shown on (and selected by the problems panel). */
export const problemNodeIds = (p: Problem): readonly string[] =>
  ABOUT_FIRST_NODE.has(p.code) ? p.nodeIds.slice(0, 1) : p.nodeIds;

const byAnalysis = new WeakMap<GraphAnalysis, ReadonlyMap<string, NodeProblems>>();

/**
 * The first error and the first warning of each node (computed once per analysis), with the
 * heads' problems against the dataset (`bindings`) after the graph's own.
 */
export function problemsByNode(
  analysis: GraphAnalysis,
  bindings: readonly Problem[] = [],
): ReadonlyMap<string, NodeProblems> {
  const cached = bindings.length === 0 ? byAnalysis.get(analysis) : undefined;
  if (cached) return cached;
  const map = new Map<string, { error?: string; warning?: string }>();
  for (const p of [...analysis.problems, ...bindings]) {
    for (const id of problemNodeIds(p)) {
      const entry = map.get(id) ?? {};
      if (p.severity === 'error') entry.error ??= p.message;
      else entry.warning ??= p.message;
      map.set(id, entry);
    }
  }
  if (bindings.length === 0) byAnalysis.set(analysis, map);
  return map;
}

/** The problems the analysis lists, the nodes each names first; errors before warnings. */
export const sortedProblems = (problems: readonly Problem[]): Problem[] => [
  ...problems.filter((p) => p.severity === 'error'),
  ...problems.filter((p) => p.severity !== 'error'),
];

function describeNode(node: GraphNode, info: NodeAnalysis | undefined): string {
  const spec = kindSpec(node.kind);
  try {
    return spec.describe(info?.params ?? { ...defaultParams(node.kind), ...node.params });
  } catch {
    return '';
  }
}

const paramCountOf = (info: NodeAnalysis | undefined) =>
  info?.paramCount
    ? thousands(info.paramCount.trainable + info.paramCount.nonTrainable)
    : undefined;

export function nodeView(
  node: GraphNode,
  info: NodeAnalysis | undefined,
  problems: NodeProblems | undefined,
  training: Pick<TrainingSettings, 'batchSize' | 'optimizer'>,
): NodeView {
  const memory = info ? nodeMemory(info, training) : undefined;
  const spec = kindSpec(node.kind);
  const head = spec.head !== undefined;
  const params = info?.params ?? node.params;
  return {
    id: node.id,
    kind: node.kind,
    title: spec.title,
    category: spec.category,
    label: node.label || undefined,
    detail: describeNode(node, info),
    shape: info?.outputShape ? formatShape(info.outputShape) : undefined,
    params: paramCountOf(info),
    memory: memory ? formatBytes(memory.totalBytes) : undefined,
    error: problems?.error,
    warning: problems?.warning,
    ports: inputPortsOf(node).join(' '),
    hasOutput: hasOutput(node),
    task: head ? String(params.task ?? '') : undefined,
    lossWeight: head ? String(params.lossWeight ?? '') : undefined,
    frozen: isFrozen({ kind: node.kind, params }),
  };
}

export function sameView(a: NodeView, b: NodeView): boolean {
  for (const key of Object.keys(a) as (keyof NodeView)[]) if (a[key] !== b[key]) return false;
  return true;
}
