/**
 * One task's per-batch loss curve, bounded in size while it keeps its shape.
 *
 * Smoothing: an exponential moving average with factor {@link SMOOTHING} (TensorBoard's
 * default of 0.9: each new value moves the curve 10% of the way), debiased like Adam's moments
 * (divided by 1 − β^n) so the first points are not pulled towards zero. It is computed over every
 * batch event received, before any point is dropped, so decimation never changes it.
 *
 * Decimation: the series keeps every k-th point received (k = `stride`, starting at 1). When it
 * holds more than the cap, k doubles and every point whose index is not a multiple of the new k
 * is dropped, which halves the series. Points are evenly spaced in time at every moment, the
 * first point (index 0) is always kept, and the latest point is always present (it stays as a
 * provisional point until the next one replaces it), so the curve reaches the current step.
 */

export const SMOOTHING = 0.9;
export const MAX_POINTS = 1000;

export interface BatchPoint {
  readonly step: number;
  /** The raw batch loss; NaN or ±Infinity when the engine reported one (drawn as a gap). */
  readonly loss: number;
  /** The debiased EMA of the finite losses so far; NaN until the first finite one. */
  readonly smooth: number;
  /** Position among all points received: decides which points survive decimation. */
  readonly index: number;
}

export interface BatchSeries {
  readonly points: readonly BatchPoint[];
  /** Keep every `stride`-th point received; a power of two. */
  readonly stride: number;
  /** Points received so far. */
  readonly received: number;
  /** The EMA before debiasing, and how many finite values went into it. */
  readonly ema: number;
  readonly emaCount: number;
}

export const emptySeries = (): BatchSeries => ({
  points: [],
  stride: 1,
  received: 0,
  ema: 0,
  emaCount: 0,
});

/** The series with one more batch loss; pure (the input is not changed). */
export function appendBatchLoss(
  series: BatchSeries,
  step: number,
  loss: number,
  cap: number = MAX_POINTS,
  smoothing: number = SMOOTHING,
): BatchSeries {
  let { ema, emaCount, stride } = series;
  if (Number.isFinite(loss)) {
    ema = smoothing * ema + (1 - smoothing) * loss;
    emaCount += 1;
  }
  const smooth = emaCount > 0 ? ema / (1 - smoothing ** emaCount) : Number.NaN;
  const point: BatchPoint = { step, loss, smooth, index: series.received };

  let points = series.points.slice();
  const last = points[points.length - 1];
  // The previous latest point was only kept to reach the current step; the new one replaces it.
  if (last && last.index % stride !== 0) points.pop();
  points.push(point);

  while (points.length > Math.max(cap, 2)) {
    stride *= 2;
    const newest = points.length - 1;
    points = points.filter((p, i) => p.index % stride === 0 || i === newest);
  }
  return { points, stride, received: series.received + 1, ema, emaCount };
}
