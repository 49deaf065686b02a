import type { NodeId } from '../ids.ts';
import { formatBytes, thousands } from '../format.ts';
import { problem, type Problem } from '../problems.ts';
import { shapeSize } from '../shape.ts';
import type { GraphAnalysis, NodeAnalysis } from './analyze.ts';
import type { OptimizerName, TrainingSettings } from './schema.ts';

/** Every weight, gradient and activation is a float32. */
const BYTES_PER_VALUE = 4;

/** Values the optimizer keeps per trainable weight (tfjs: Adam m and v; RMSprop mean square and moment; SGD momentum). */
export const OPTIMIZER_SLOTS: Record<OptimizerName, number> = { adam: 2, rmsprop: 2, sgd: 1 };

/**
 * Copies of a node's output a training step holds at once: the output the backward pass needs,
 * and its gradient of the same size. Layers that fuse an activation keep a little more, so this
 * is a floor, which is the safe side for a refusal.
 */
const ACTIVATION_COPIES = 2;

const OPTIMIZER_TITLES: Record<OptimizerName, string> = {
  adam: 'Adam',
  sgd: 'SGD momentum',
  rmsprop: 'RMSprop',
};

export interface NodeMemory {
  readonly id: NodeId;
  readonly label: string;
  readonly parameters: number;
  /** Weights, their gradients and the optimizer's state, in bytes. */
  readonly weightBytes: number;
  /** The node's outputs for a whole batch, with their gradients, in bytes. */
  readonly activationBytes: number;
  readonly totalBytes: number;
  readonly parts: {
    readonly weights: number;
    readonly gradients: number;
    readonly optimizerState: number;
  };
}

export interface MemoryEstimate {
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly weights: number;
  readonly gradients: number;
  readonly optimizerState: number;
  readonly activations: number;
  /** All of the above, in bytes. */
  readonly total: number;
  /** Nodes with a known shape, largest total first. */
  readonly nodes: readonly NodeMemory[];
}

/** One node's share of the memory a training step needs; undefined while its shape is unknown. */
export function nodeMemory(
  node: NodeAnalysis,
  settings: Pick<TrainingSettings, 'batchSize' | 'optimizer'>,
): NodeMemory | undefined {
  if (!node.outputShape) return undefined;
  const trainable = node.paramCount?.trainable ?? 0;
  const all = trainable + (node.paramCount?.nonTrainable ?? 0);
  const weights = all * BYTES_PER_VALUE;
  const gradients = trainable * BYTES_PER_VALUE;
  const optimizerState = trainable * OPTIMIZER_SLOTS[settings.optimizer] * BYTES_PER_VALUE;
  const activationBytes =
    shapeSize(node.outputShape) * settings.batchSize * BYTES_PER_VALUE * ACTIVATION_COPIES;
  const weightBytes = weights + gradients + optimizerState;
  return {
    id: node.id,
    label: node.label,
    parameters: all,
    weightBytes,
    activationBytes,
    totalBytes: weightBytes + activationBytes,
    parts: { weights, gradients, optimizerState },
  };
}

/**
 * The memory a training step needs, from shapes and parameter counts alone: weights, gradients
 * and optimizer state for every parameter, and each node's activations at the batch size.
 * Nodes whose shape is unknown (a broken graph) count nothing.
 */
export function estimateMemory(
  analysis: GraphAnalysis,
  settings: Pick<TrainingSettings, 'batchSize' | 'optimizer'>,
): MemoryEstimate {
  const nodes: NodeMemory[] = [];
  let weights = 0;
  let gradients = 0;
  let optimizerState = 0;
  let activations = 0;
  for (const info of analysis.nodes.values()) {
    const node = nodeMemory(info, settings);
    if (!node) continue;
    weights += node.parts.weights;
    gradients += node.parts.gradients;
    optimizerState += node.parts.optimizerState;
    activations += node.activationBytes;
    nodes.push(node);
  }
  nodes.sort((x, y) => y.totalBytes - x.totalBytes);
  return {
    batchSize: settings.batchSize,
    optimizer: settings.optimizer,
    weights,
    gradients,
    optimizerState,
    activations,
    total: weights + gradients + optimizerState + activations,
    nodes,
  };
}

/** "29.8 GiB (weights 1.2 GiB, gradients …, Adam state …, activations at batch 32 …)". */
export function memoryBreakdown(m: MemoryEstimate): string {
  return `${formatBytes(m.total)} (weights ${formatBytes(m.weights)}, gradients ${formatBytes(m.gradients)}, ${OPTIMIZER_TITLES[m.optimizer]} state ${formatBytes(m.optimizerState)}, activations at batch ${m.batchSize} ${formatBytes(m.activations)})`;
}

/**
 * The problem that refuses a run needing more than `limitBytes`, naming the largest nodes and
 * what to change; undefined when the run fits. `limitWhy` says where the limit comes from.
 */
export function memoryProblem(
  m: MemoryEstimate,
  limitBytes: number,
  limitWhy: string,
): Problem | undefined {
  if (m.total <= limitBytes) return undefined;
  const largest = m.nodes.slice(0, 3).map((n) => {
    const parts = [
      n.weightBytes > 0 && `${thousands(n.parameters)} parameters, ${formatBytes(n.weightBytes)}`,
      n.activationBytes > 0 && `activations ${formatBytes(n.activationBytes)}`,
    ].filter(Boolean);
    return `${n.label} (${parts.join('; ')})`;
  });
  const fix =
    m.activations > m.total / 2
      ? 'lower the batch size, or shrink the image or add a stride or pooling early'
      : 'use fewer units or filters in the largest layers, or pool before a Flatten that feeds a Dense';
  return problem(
    'E_MEMORY_LIMIT',
    `Training this graph needs about ${memoryBreakdown(m)}, more than the limit of ${formatBytes(limitBytes)} (${limitWhy}). The largest: ${largest.join(', ')}. To fit, ${fix}.`,
    m.nodes.slice(0, 3).map((n) => n.id),
  );
}
