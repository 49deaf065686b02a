import type { HeadInfo } from '../../../core/graph/analyze.ts';
import { tf, type Tensor, type Tensor1D } from '../tf.ts';

/** Keras clips probabilities by this before taking logs. */
const EPSILON = 1e-7;

/**
 * A loss per sample, [batch], with Keras' definitions (mean over a sample's outputs), so
 * per-sample values can be summed over a split and the mean equals Keras' `evaluate`.
 */
export type LossFn = (yTrue: Tensor, yPred: Tensor, head: HeadInfo) => Tensor1D;

export const categoricalCrossentropy: LossFn = (yTrue, yPred) => {
  const p = yPred.clipByValue(EPSILON, 1 - EPSILON);
  return yTrue.mul(p.log()).sum(-1).neg() as Tensor1D;
};

export const binaryCrossentropy: LossFn = (yTrue, yPred) => {
  const p = yPred.clipByValue(EPSILON, 1 - EPSILON);
  const one = tf.scalar(1);
  const terms = yTrue.mul(p.log()).add(one.sub(yTrue).mul(one.sub(p).log()));
  return terms.mean(-1).neg() as Tensor1D;
};

export const meanSquaredError: LossFn = (yTrue, yPred) =>
  yTrue.squaredDifference(yPred).mean(-1) as Tensor1D;

export const meanAbsoluteError: LossFn = (yTrue, yPred) =>
  yTrue.sub(yPred).abs().mean(-1) as Tensor1D;

export const huber: LossFn = (yTrue, yPred, head) => {
  const delta = Number(head.params.huberDelta ?? 1);
  const error = yTrue.sub(yPred).abs();
  const quadratic = error.minimum(delta);
  const linear = error.sub(quadratic);
  return quadratic.square().mul(0.5).add(linear.mul(delta)).mean(-1) as Tensor1D;
};
