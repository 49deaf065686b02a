import type { HeadInfo } from '../../core/graph/analyze.ts';
import type { MetricName } from '../../core/nodes/kind.ts';
import type { LossName } from '../../core/nodes/registry.ts';
import { tf, type Tensor, type Tensor1D } from './tf.ts';

/** Keras clips probabilities by this before taking logs. */
const EPSILON = 1e-7;

/**
 * Each task's loss per sample, [batch], with Keras' definitions (mean over a sample's outputs),
 * so per-sample values can be summed over a split and the mean equals Keras' `evaluate`.
 */
export function perSampleLoss(head: HeadInfo, yTrue: Tensor, yPred: Tensor): Tensor1D {
  return tf.tidy(() => PER_SAMPLE_LOSS[head.loss](yTrue, yPred, head));
}

type LossFn = (yTrue: Tensor, yPred: Tensor, head: HeadInfo) => Tensor1D;

/** One entry per loss a head kind can name: a loss added to a head's schema fails to compile here. */
const PER_SAMPLE_LOSS: Record<LossName, LossFn> = {
  categoricalCrossentropy: (yTrue, yPred) => {
    const p = yPred.clipByValue(EPSILON, 1 - EPSILON);
    return yTrue.mul(p.log()).sum(-1).neg() as Tensor1D;
  },
  binaryCrossentropy: (yTrue, yPred) => {
    const p = yPred.clipByValue(EPSILON, 1 - EPSILON);
    const one = tf.scalar(1);
    const terms = yTrue.mul(p.log()).add(one.sub(yTrue).mul(one.sub(p).log()));
    return terms.mean(-1).neg() as Tensor1D;
  },
  meanSquaredError: (yTrue, yPred) => yTrue.squaredDifference(yPred).mean(-1) as Tensor1D,
  meanAbsoluteError: (yTrue, yPred) => yTrue.sub(yPred).abs().mean(-1) as Tensor1D,
  huber: (yTrue, yPred, head) => {
    const delta = Number(head.params.huberDelta ?? 1);
    const error = yTrue.sub(yPred).abs();
    const quadratic = error.minimum(delta);
    const linear = error.sub(quadratic);
    return quadratic.square().mul(0.5).add(linear.mul(delta)).mean(-1) as Tensor1D;
  },
};

/** Intersection over union per sample of [xmin, ymin, xmax, ymax] boxes; inverted boxes have no area. */
export function boxIoU(a: Tensor, b: Tensor): Tensor1D {
  return tf.tidy(() => {
    const [ax0, ay0, ax1, ay1] = tf.unstack(a, 1) as [Tensor1D, Tensor1D, Tensor1D, Tensor1D];
    const [bx0, by0, bx1, by1] = tf.unstack(b, 1) as [Tensor1D, Tensor1D, Tensor1D, Tensor1D];
    const area = (x0: Tensor1D, y0: Tensor1D, x1: Tensor1D, y1: Tensor1D) =>
      x1.sub(x0).relu().mul(y1.sub(y0).relu());
    const inter = area(ax0.maximum(bx0), ay0.maximum(by0), ax1.minimum(bx1), ay1.minimum(by1));
    const union = area(ax0, ay0, ax1, ay1)
      .add(area(bx0, by0, bx1, by1))
      .sub(inter);
    return inter.div(union.maximum(EPSILON)) as Tensor1D;
  });
}

/** Sum over the batch of each metric's per-sample value, in the head's metric order. */
export function metricSums(head: HeadInfo, yTrue: Tensor, yPred: Tensor): Tensor[] {
  return head.metrics.map((metric: MetricName) =>
    tf.tidy(() => {
      switch (metric) {
        case 'accuracy':
          return yTrue.argMax(-1).equal(yPred.argMax(-1)).sum().toFloat();
        case 'meanIoU':
          return boxIoU(yTrue, yPred).sum();
        case 'iou50':
          return boxIoU(yTrue, yPred).greaterEqual(0.5).sum().toFloat();
        case 'mae':
          return yTrue.sub(yPred).abs().mean(-1).sum();
      }
    }),
  );
}
