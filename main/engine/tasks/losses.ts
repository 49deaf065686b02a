import type { HeadInfo } from '../../../core/graph/analyze.ts';
import { classWeightsOf } from '../../../core/nodes/mask-head.ts';
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

/** A mask pixel of this class is left out of the loss (Pascal VOC's border). */
const IGNORE_CLASS = 255;

/** The mean over a sample's counted pixels: sums [batch] divided by counts [batch] (at least 1). */
const perCounted = (sums: Tensor, counts: Tensor) =>
  sums.div(counts.maximum(1e-12)) as unknown as Tensor1D;

/**
 * Per-pixel categorical cross-entropy of a mask head: truth a class per pixel [batch, H·W],
 * prediction the softmax [batch, H, W, C]. Each sample's loss is the weighted mean over its
 * pixels that are not ignored (PyTorch's weighted `cross_entropy` per image); 0 when none counts.
 */
export const pixelCrossentropy: LossFn = (yTrue, yPred, head) => {
  const classes = head.shape[2] ?? 1;
  const batch = yTrue.shape[0] ?? 0;
  const labels = yTrue.reshape([batch, -1]);
  const valid = labels.notEqual(IGNORE_CLASS).logicalAnd(labels.less(classes)).toFloat();
  const index = labels.mul(valid).toInt();
  const p = yPred.reshape([batch, -1, classes]).clipByValue(EPSILON, 1 - EPSILON);
  const crossEntropy = tf.oneHot(index, classes).toFloat().mul(p.log()).sum(-1).neg();
  const weights = classWeightsOf(String(head.params.classWeights ?? ''));
  const w = weights ? tf.tensor1d(weights).gather(index).mul(valid) : valid;
  return perCounted(crossEntropy.mul(w).sum(-1), w.sum(-1));
};

/** L1 over the pixels with a depth (truth > 0), per sample: [batch, H·W] against [batch, H, W, 1]. */
export const maskedL1: LossFn = (yTrue, yPred) => {
  const batch = yTrue.shape[0] ?? 0;
  const t = yTrue.reshape([batch, -1]);
  const valid = t.greater(0).toFloat();
  const error = t
    .sub(yPred.reshape([batch, -1]))
    .abs()
    .mul(valid);
  return perCounted(error.sum(-1), valid.sum(-1));
};

/**
 * 1 − cosine between the predicted direction, scaled to length 1 at each pixel, and the true
 * normal, over the pixels that have one (a zero truth has none), per sample.
 */
export const cosineDistance: LossFn = (yTrue, yPred) => {
  const batch = yTrue.shape[0] ?? 0;
  const t = yTrue.reshape([batch, -1, 3]);
  const p = yPred.reshape([batch, -1, 3]);
  const trueLength = t.square().sum(-1).sqrt();
  const valid = trueLength.greater(0).toFloat();
  const predictedLength = p.square().sum(-1).add(1e-12).sqrt();
  const cosine = t.mul(p).sum(-1).div(trueLength.maximum(1e-12).mul(predictedLength));
  return perCounted(tf.scalar(1).sub(cosine).mul(valid).sum(-1), valid.sum(-1));
};
