import { analyzeGraph, type GraphAnalysis, type HeadInfo } from '../../core/graph/analyze.ts';
import { nodesFeedingHeads } from '../../core/graph/model-nodes.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { isFrozen } from '../../core/graph/trainable.ts';
import type { NodeId } from '../../core/ids.ts';
import { kindSpec } from '../../core/nodes/registry.ts';
import { firstErrorSentence, StudioError } from '../../core/problems.ts';
import type { Shape } from '../../core/shape.ts';
import { createLayer } from './layer-factory.ts';
import { tf, type LayersModel, type SymbolicTensor } from './tf.ts';

export interface CompiledGraph {
  readonly model: LayersModel;
  /** In the order of the model's outputs. */
  readonly heads: readonly HeadInfo[];
  readonly inputShape: Shape;
  readonly analysis: GraphAnalysis;
}

/** Throws the graph's first error as a sentence (and how many more there are). */
export function assertCompilable(analysis: GraphAnalysis): void {
  const error = firstErrorSentence(analysis.problems);
  if (error) throw new StudioError(error.code, error.message);
}

/** Replaces a just-built layer's bias (its last weight) with the kind's starting values. */
function setBias(layer: tf.layers.Layer, values: readonly number[]): void {
  const weights = layer.getWeights();
  const bias = tf.tensor1d([...values]);
  layer.setWeights([...weights.slice(0, -1), bias]);
  bias.dispose();
}

/**
 * Graph → tfjs functional model with one output per head. Layer names are the node ids, so they
 * are stable across runs and a saved model maps back onto its graph. Nodes that reach no head
 * are left out, as Keras would leave them out of the model.
 */
export function compileGraph(doc: GraphDocument, options: { seed?: number } = {}): CompiledGraph {
  const analysis = analyzeGraph(doc);
  assertCompilable(analysis);
  const seed = options.seed ?? doc.training.seed;
  const inputId = analysis.inputId as NodeId;
  const inputNode = analysis.nodes.get(inputId);
  const inputShape = inputNode?.outputShape;
  if (!inputShape) throw new Error('compilable graph without an input shape');

  const needed = nodesFeedingHeads(analysis);
  const tensors = new Map<NodeId, SymbolicTensor>();
  analysis.order.forEach((id, index) => {
    if (!needed.has(id)) return;
    const node = analysis.nodes.get(id);
    if (!node?.params) throw new Error(`node '${id}' has no params after analysis`);
    if (node.kind === 'Input') {
      tensors.set(id, tf.input({ shape: [...inputShape], name: id }));
      return;
    }
    const spec = kindSpec(node.kind).layer(node.params, id);
    const layer = createLayer(spec, seed * 1000 + index);
    // Frozen as Keras freezes: no trainable weights, and a BatchNormalization in inference mode.
    if (isFrozen(node)) layer.trainable = false;
    const inputs = node.sources.map((s) => tensors.get(s));
    if (inputs.some((t) => !t)) throw new Error(`node '${id}' is built before its inputs`);
    const args = inputs.length === 1 ? inputs[0] : inputs;
    tensors.set(id, layer.apply(args as SymbolicTensor | SymbolicTensor[]) as SymbolicTensor);
    if (spec.initialBias) setBias(layer, spec.initialBias);
  });

  const outputs = analysis.heads.map((h) => tensors.get(h.nodeId) as SymbolicTensor);
  const model = tf.model({
    inputs: tensors.get(inputId) as SymbolicTensor,
    outputs,
    name: 'multitask',
  });
  return { model, heads: analysis.heads, inputShape, analysis };
}
