import { trunkLayout } from '../../../core/balancing/trunk.ts';
import type { GraphAnalysis, HeadInfo } from '../../../core/graph/analyze.ts';
import { hasWeights } from '../../../core/graph/trainable.ts';
import type { NodeId } from '../../../core/ids.ts';
import { tf, type LayersModel, type Tensor } from '../tf.ts';

/**
 * The trunk layout of a compiled graph with its variables: a node that feeds one head only
 * belongs to that task's branch (the head included). Gradient-level balancing acts on the
 * trunk's variables; heads always get their own task's gradient.
 */
export interface TrunkMap {
  /** Nodes that reach each node's heads, in topological order (the model's nodes only). */
  readonly order: readonly NodeId[];
  /** Per node: the heads (by index) it feeds. */
  readonly feeds: ReadonlyMap<NodeId, ReadonlySet<number>>;
  readonly shared: ReadonlySet<NodeId>;
  /** Per head (in head order): the nodes of its own branch. */
  readonly branches: readonly ReadonlySet<NodeId>[];
  readonly trunkVariables: readonly tf.Variable[];
  /** Per head: the variables of its own branch. */
  readonly branchVariables: readonly (readonly tf.Variable[])[];
  /** Shared nodes with weights that are frozen now (their layers have no trainable weights). */
  readonly frozenTrunk: readonly NodeId[];
  /** The last shared node with trainable weights, and its kernel (GradNorm's layer). */
  readonly lastShared?: { readonly node: NodeId; readonly kernel: tf.Variable };
}

export function mapTrunk(
  model: LayersModel,
  analysis: GraphAnalysis,
  heads: readonly HeadInfo[],
): TrunkMap {
  const { order, feeds, shared } = trunkLayout(analysis);
  const branches = heads.map(
    (_, k) => new Set(order.filter((id) => !shared.has(id) && feeds.get(id)?.has(k))),
  );
  const variablesOf = (ids: Iterable<NodeId>) =>
    [...ids].flatMap((id) =>
      id === analysis.inputId
        ? []
        : model.getLayer(id).trainableWeights.map((w) => w.read() as tf.Variable),
    );
  const withWeights = order.filter(
    (id) => shared.has(id) && id !== analysis.inputId && model.getLayer(id).trainableWeights.length,
  );
  const last = withWeights.at(-1);
  const kernel = last
    ? (model.getLayer(last).trainableWeights[0]?.read() as tf.Variable)
    : undefined;
  return {
    order,
    feeds,
    shared,
    branches,
    trunkVariables: variablesOf(order.filter((id) => shared.has(id))),
    branchVariables: branches.map((b) => variablesOf(b)),
    frozenTrunk: order.filter(
      (id) => shared.has(id) && id !== analysis.inputId && isFrozenLayer(model, id, analysis),
    ),
    ...(last && kernel ? { lastShared: { node: last, kernel } } : {}),
  };
}

/** A node with weights whose layer is frozen now (the graph's state, or unfrozen since). */
const isFrozenLayer = (model: LayersModel, id: NodeId, analysis: GraphAnalysis): boolean => {
  const node = analysis.nodes.get(id);
  return node !== undefined && hasWeights(node.kind) && !model.getLayer(id).trainable;
};

/**
 * Runs the model's layers one by one from the tensors already in `env` (the input under the
 * Input node's id, or any node's output), computing only `nodes` and returning their outputs.
 * `read(source, consumer)` lets a caller change what a node reads from another (a gradient scale
 * on the trunk's outputs into one branch).
 */
export function runLayers(
  model: LayersModel,
  analysis: GraphAnalysis,
  nodes: readonly NodeId[],
  env: Map<NodeId, Tensor>,
  training: boolean,
  read: (source: NodeId, consumer: NodeId) => Tensor = (source) => env.get(source) as Tensor,
): Map<NodeId, Tensor> {
  for (const id of nodes) {
    const sources = analysis.nodes.get(id)?.sources ?? [];
    const inputs = sources.map((s) => read(s, id));
    const arg = inputs.length === 1 ? inputs[0] : inputs;
    env.set(id, model.getLayer(id).apply(arg as Tensor | Tensor[], { training }) as Tensor);
  }
  return env;
}

/** Identity forward; the backward pass multiplies the gradient by `scale`. */
export const scaleGradient = (x: Tensor, scale: number): Tensor =>
  tf.customGrad((input) => ({
    value: (input as Tensor).clone(),
    gradFunc: (dy: Tensor) => dy.mul(scale),
  }))(x) as Tensor;
