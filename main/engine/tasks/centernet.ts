import type { HeadInfo } from '../../../core/graph/analyze.ts';
import { centerNetTargets } from '../../../core/detection/centernet-targets.ts';
import { mapGeometry } from '../../../core/detection/map-metric.ts';
import { tf, type Tensor1D } from '../tf.ts';
import type { LossFn } from './losses.ts';

/** CenterNet clips its heatmap scores here before taking logs (its `_sigmoid`). */
const SCORE_CLIP = 1e-4;

/**
 * CenterNet's loss per sample: the penalty-reduced focal loss (α 2, β 4) on the class heatmaps,
 * plus `sizeWeight` × L1 on box sizes and `offsetWeight` × L1 on centre offsets at object
 * centres, each summed over the image. The paper divides the batch's sums by its number of
 * centres; a sample's value here is its sums × batch / centres, so the batch mean is exactly
 * that, and a batch without objects divides by 1 (its images still teach the heatmaps where no
 * object is). The targets are built from the truth rows in JS (core/detection/centernet-targets.ts).
 */
export const centerNet: LossFn = (yTrue, yPred, head) => {
  const [batch] = yPred.shape as [number];
  const { height, width, classes } = mapGeometry(head.shape);
  const t = centerNetTargets(yTrue.dataSync(), batch, height, width, classes);
  const map = [batch, height, width];
  const logits = yPred.slice([0, 0, 0, 0], [...map, classes]);
  const regression = yPred.slice([0, 0, 0, classes], [...map, 4]);
  const p = tf.sigmoid(logits).clipByValue(SCORE_CLIP, 1 - SCORE_CLIP);
  const one = tf.scalar(1);
  const positive = tf.tensor4d(t.positive, [...map, classes] as never);
  const negative = tf.tensor4d(t.negativeWeight, [...map, classes] as never);
  const focal = p
    .log()
    .mul(one.sub(p).square())
    .mul(positive)
    .add(one.sub(p).log().mul(p.square()).mul(negative))
    .sum([1, 2, 3])
    .neg();
  const mask = tf.tensor4d(t.regressionMask, [...map, 1] as never);
  const error = regression
    .sub(tf.tensor4d(t.regression, [...map, 4] as never))
    .abs()
    .mul(mask);
  const weights = tf.tensor1d([
    sizeWeight(head),
    sizeWeight(head),
    offsetWeight(head),
    offsetWeight(head),
  ]);
  const l1 = error.mul(weights).sum([1, 2, 3]);
  return focal.add(l1).mul(batch / t.positives) as Tensor1D;
};

const sizeWeight = (head: HeadInfo) => Number(head.params.sizeWeight ?? 0.1);
const offsetWeight = (head: HeadInfo) => Number(head.params.offsetWeight ?? 1);
