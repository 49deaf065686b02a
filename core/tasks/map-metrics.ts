import type { Shape } from '../shape.ts';
import { argmaxAt } from './accumulators.ts';
import { pixelsOf } from './maps.ts';
import type { ClassIoU, MetricAccumulator } from './task.ts';

/**
 * Metrics over every pixel of a split (not means of per-image values), as LibMTL and the NYUv2
 * papers compute them: a confusion matrix for masks, sums over the pixels that have a depth or
 * a normal for the others.
 */

/** A mask pixel with this class is not counted (VOC's border and "void"). */
export const IGNORE_CLASS = 255;

/** Sums over a split, finished into one value; NaN when no pixel counted. */
function pixelSums(
  size: number,
  add: (sums: Float64Array, truth: Float32Array, prediction: Float32Array, samples: number) => void,
  finish: (sums: Float64Array) => number,
  perClass?: (sums: Float64Array) => readonly ClassIoU[],
): MetricAccumulator {
  const sums = new Float64Array(size);
  return {
    reset: () => sums.fill(0),
    add: (truth, prediction, samples) => add(sums, truth, prediction, samples),
    finish: () => finish(sums),
    ...(perClass ? { perClass: () => perClass(sums) } : {}),
  };
}

/**
 * The split's confusion matrix of a mask head: truth a class per pixel ([H·W] per sample),
 * prediction the class scores ([H, W, C]); pixels of the ignore class, or of no class the head
 * has, are left out. Row = true class, column = predicted.
 */
export function addConfusion(
  confusion: Float64Array,
  classes: number,
  truth: Float32Array,
  prediction: Float32Array,
  pixels: number,
): void {
  for (let i = 0; i < pixels; i++) {
    const t = truth[i]!;
    if (!(t >= 0 && t < classes) || t === IGNORE_CLASS) continue;
    const p = argmaxAt(prediction, i * classes, classes);
    confusion[Math.round(t) * classes + p]!++;
  }
}

/** Each class's IoU from a confusion matrix; NaN for a class neither present nor predicted. */
export function classIoUs(confusion: Float64Array, classes: number): number[] {
  return Array.from({ length: classes }, (_, c) => {
    let row = 0;
    let column = 0;
    for (let k = 0; k < classes; k++) {
      row += confusion[c * classes + k]!;
      column += confusion[k * classes + c]!;
    }
    const hit = confusion[c * classes + c]!;
    const union = row + column - hit;
    return union > 0 ? hit / union : Number.NaN;
  });
}

/**
 * Each class's row of the end-of-run table from a confusion matrix: its IoU (null where
 * `classIoUs` gives NaN, so the rows' mean is `meanClassIoU`), its truth pixels and their share.
 */
export function classTable(confusion: Float64Array, classes: number): ClassIoU[] {
  const ious = classIoUs(confusion, classes);
  const pixels = ious.map((_, c) => {
    let row = 0;
    for (let k = 0; k < classes; k++) row += confusion[c * classes + k]!;
    return row;
  });
  const all = pixels.reduce((a, b) => a + b, 0);
  return ious.map((iou, c) => ({
    iou: Number.isNaN(iou) ? null : iou,
    pixels: pixels[c]!,
    share: all > 0 ? pixels[c]! / all : 0,
  }));
}

/** The mean of the values that are numbers; NaN when none is. */
const meanOfNumbers = (values: readonly number[]) => {
  const present = values.filter((v) => !Number.isNaN(v));
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : Number.NaN;
};

/** Confusion-matrix metrics of a mask head with output `shape` [H, W, C]. */
export function confusionMetric(
  shape: Shape,
  finish: (confusion: Float64Array, classes: number) => number,
): MetricAccumulator {
  const classes = shape[2] ?? 1;
  const pixels = pixelsOf(shape);
  return pixelSums(
    classes * classes,
    (confusion, truth, prediction, samples) =>
      addConfusion(confusion, classes, truth, prediction, samples * pixels),
    (confusion) => finish(confusion, classes),
    (confusion) => classTable(confusion, classes),
  );
}

/** Mean over classes of IoU, classes neither present nor predicted left out (LibMTL's mIoU). */
export const meanClassIoU = (confusion: Float64Array, classes: number) =>
  meanOfNumbers(classIoUs(confusion, classes));

export function pixelAccuracy(confusion: Float64Array, classes: number): number {
  let hits = 0;
  let all = 0;
  for (let c = 0; c < classes; c++) hits += confusion[c * classes + c]!;
  for (const n of confusion) all += n;
  return all > 0 ? hits / all : Number.NaN;
}

/** A depth metric: the mean over pixels with a depth (truth > 0) of `error(truth, prediction)`. */
export const depthMetric = (error: (truth: number, prediction: number) => number) => () =>
  pixelSums(
    2,
    (sums, truth, prediction) => {
      for (let i = 0; i < truth.length; i++) {
        const t = truth[i]!;
        if (!(t > 0)) continue;
        sums[0]! += error(t, prediction[i]!);
        sums[1]!++;
      }
    },
    (sums) => (sums[1]! > 0 ? sums[0]! / sums[1]! : Number.NaN),
  );

/**
 * Angle errors are kept in a histogram of this many bins per degree over 0–180°, so the median
 * over a split's pixels needs no list of them: it is exact to 1/100 of a degree.
 */
export const ANGLE_BINS_PER_DEGREE = 100;
const ANGLE_BINS = 180 * ANGLE_BINS_PER_DEGREE;

/**
 * The angle in degrees between each true normal and the predicted direction at its pixel, for
 * the pixels that have a normal (a zero vector has none). A zero prediction is 90° off.
 */
export function forEachAngle(
  truth: Float32Array,
  prediction: Float32Array,
  visit: (degrees: number) => void,
): void {
  for (let i = 0; i + 2 < truth.length; i += 3) {
    const tx = truth[i]!;
    const ty = truth[i + 1]!;
    const tz = truth[i + 2]!;
    const tn = Math.hypot(tx, ty, tz);
    if (tn === 0) continue;
    const px = prediction[i]!;
    const py = prediction[i + 1]!;
    const pz = prediction[i + 2]!;
    const pn = Math.hypot(px, py, pz);
    const cos = pn > 0 ? (tx * px + ty * py + tz * pz) / (tn * pn) : 0;
    visit((Math.acos(Math.min(1, Math.max(-1, cos))) * 180) / Math.PI);
  }
}

/** Mean angle error over a split's pixels with a normal. */
export const meanAngle = () =>
  pixelSums(
    2,
    (sums, truth, prediction) =>
      forEachAngle(truth, prediction, (d) => {
        sums[0]! += d;
        sums[1]!++;
      }),
    (sums) => (sums[1]! > 0 ? sums[0]! / sums[1]! : Number.NaN),
  );

/** Median angle error over a split's pixels, from a histogram of 1/100-degree bins. */
export const medianAngle = () =>
  pixelSums(
    ANGLE_BINS + 1,
    (bins, truth, prediction) =>
      forEachAngle(truth, prediction, (d) => {
        bins[Math.min(ANGLE_BINS - 1, Math.floor(d * ANGLE_BINS_PER_DEGREE))]!++;
        bins[ANGLE_BINS]!++;
      }),
    (bins) => {
      const count = bins[ANGLE_BINS]!;
      if (count === 0) return Number.NaN;
      // The lower median's bin (the ⌈n/2⌉-th smallest), valued at its middle.
      const half = Math.ceil(count / 2);
      let seen = 0;
      for (let b = 0; b < ANGLE_BINS; b++) {
        seen += bins[b]!;
        if (seen >= half) return (b + 0.5) / ANGLE_BINS_PER_DEGREE;
      }
      return 180;
    },
  );

/** Share of a split's pixels with a normal whose angle error is below `degrees`. */
export const angleWithin = (degrees: number) => () =>
  pixelSums(
    2,
    (sums, truth, prediction) =>
      forEachAngle(truth, prediction, (d) => {
        if (d < degrees) sums[0]!++;
        sums[1]!++;
      }),
    (sums) => (sums[1]! > 0 ? sums[0]! / sums[1]! : Number.NaN),
  );
