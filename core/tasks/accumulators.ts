import type { MetricAccumulator } from './task.ts';

/**
 * Accumulators shared by several metrics. A metric that is a mean of per-sample values is a
 * running sum and a count; the others (macro F1, mAP) keep their own sums.
 */

/** The mean over samples of `perSample(truth, prediction, offset, width)`. */
export function sampleMean(
  width: number,
  perSample: (truth: Float32Array, prediction: Float32Array, at: number, width: number) => number,
): MetricAccumulator {
  let sum = 0;
  let count = 0;
  return {
    reset() {
      sum = 0;
      count = 0;
    },
    add(truth, prediction, samples) {
      for (let s = 0; s < samples; s++) sum += perSample(truth, prediction, s * width, width);
      count += samples;
    },
    finish: () => (count ? sum / count : Number.NaN),
  };
}

/** Index of the largest of `width` values from `at`; the first one on ties. */
export function argmaxAt(values: ArrayLike<number>, at: number, width: number): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (values[at + k]! > values[at + best]!) best = k;
  return best;
}
