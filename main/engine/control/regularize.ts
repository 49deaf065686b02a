import type { GraphAnalysis } from '../../../core/graph/analyze.ts';
import type { OptimizerName } from '../../../core/graph/schema.ts';
import { tf, type LayersModel } from '../tf.ts';

/** A trainable variable and what regularisation applies to it. */
interface Regularized {
  readonly variable: tf.Variable;
  /** Kernels decay; biases and normalisation parameters do not. */
  readonly kernel: boolean;
  /** The node's own L2 factor (Keras `kernel_regularizer=l2(x)`), 0 when none. */
  readonly l2: number;
}

export interface RegularizeSettings {
  readonly optimizer: OptimizerName;
  readonly weightDecay: number;
  readonly clipNorm: number;
}

/** Each node's own L2 factor (the `l2` parameter of Conv2D and Dense), by node id. */
export function nodeL2Factors(analysis: GraphAnalysis): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, node] of analysis.nodes) {
    const l2 = node.params?.l2;
    if (typeof l2 === 'number' && l2 > 0) out[id] = l2;
  }
  return out;
}

/**
 * The trainable variables in the order the trainer takes gradients for them, each marked kernel
 * or not by its layer weight's name (`<node id>/kernel`), with the node's L2 factor.
 */
export function regularizedVariables(
  model: LayersModel,
  l2ByNode: Readonly<Record<string, number>> = {},
): Regularized[] {
  const layerOf = new Map<string, string>();
  for (const layer of model.layers) {
    for (const w of layer.trainableWeights) layerOf.set(w.name, layer.name);
  }
  return model.trainableWeights.map((w) => {
    const kernel = /(^|\/)kernel$/.test(w.originalName);
    const node = layerOf.get(w.name) ?? '';
    return { variable: w.read() as tf.Variable, kernel, l2: kernel ? (l2ByNode[node] ?? 0) : 0 };
  });
}

/**
 * What happens to a step's gradients between backpropagation and the optimizer, in Keras' and
 * PyTorch's order: the nodes' L2 penalties join the gradients (they are part of the loss), the
 * whole is clipped to the global norm, then weight decay: added to the gradient as L2 for SGD
 * and RMSprop, or (Adam) applied to the weights themselves, scaled by the learning rate, as in
 * AdamW. No value is read back from the backend.
 */
export class StepRegularizer {
  private readonly decoupled: boolean;

  constructor(
    private readonly variables: readonly Regularized[],
    private readonly settings: RegularizeSettings,
  ) {
    this.decoupled = settings.optimizer === 'adam';
  }

  /** Whether the step needs this at all: with everything off gradients pass untouched. */
  get active(): boolean {
    return (
      this.settings.weightDecay > 0 ||
      this.settings.clipNorm > 0 ||
      this.variables.some((v) => v.l2 > 0)
    );
  }

  /** New gradients; the caller disposes both maps. */
  transform(grads: tf.NamedTensorMap): tf.NamedTensorMap {
    return tf.tidy(() => {
      const out: tf.NamedTensorMap = {};
      for (const { variable, l2 } of this.variables) {
        const g = grads[variable.name];
        if (!g) continue;
        out[variable.name] = l2 > 0 ? g.add(variable.mul(2 * l2)) : g.clone();
      }
      const { clipNorm, weightDecay } = this.settings;
      if (clipNorm > 0) {
        const squares = Object.values(out).map((g) => g.square().sum());
        const norm = tf.addN(squares).sqrt();
        const scale = tf.scalar(clipNorm).div(norm.maximum(clipNorm));
        for (const name of Object.keys(out)) out[name] = (out[name] as tf.Tensor).mul(scale);
      }
      if (weightDecay > 0 && !this.decoupled) {
        for (const { variable, kernel } of this.variables) {
          const g = out[variable.name];
          if (kernel && g) out[variable.name] = g.add(variable.mul(weightDecay));
        }
      }
      return out;
    });
  }

  /** AdamW's decay, before the optimizer's update: w ← w × (1 − rate × decay), kernels only. */
  decayWeights(learningRate: number): void {
    const { weightDecay } = this.settings;
    if (!this.decoupled || weightDecay <= 0) return;
    const keep = 1 - learningRate * weightDecay;
    tf.tidy(() => {
      for (const { variable, kernel } of this.variables) {
        if (kernel) variable.assign(variable.mul(keep));
      }
    });
  }
}

/** Sets an optimizer's rate between steps (tfjs reads it at every update). */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  // tfjs' optimizer classes answer `instanceof` for each other, so ask for the method itself:
  // SGD and momentum keep the rate as a scalar tensor that setLearningRate replaces.
  const sgd = optimizer as unknown as { setLearningRate?: (rate: number) => void };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(rate);
  else (optimizer as unknown as { learningRate: number }).learningRate = rate;
}
