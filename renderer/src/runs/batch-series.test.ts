import { describe, expect, it } from 'vitest';
import { appendBatchLoss, emptySeries, SMOOTHING, type BatchSeries } from './batch-series.ts';

const fill = (values: readonly number[], cap = 1000): BatchSeries =>
  values.reduce((s, loss, i) => appendBatchLoss(s, i + 1, loss, cap), emptySeries());

describe('batch loss smoothing', () => {
  it('is debiased: a constant loss gives the same smoothed value from the first point', () => {
    const s = fill([2, 2, 2]);
    for (const p of s.points) expect(p.smooth).toBeCloseTo(2, 12);
  });

  it('is an EMA with the documented factor', () => {
    const s = fill([1, 0]);
    // ema1 = 0.1, ema2 = 0.09; debiased: 0.09 / (1 − 0.81)
    const b = SMOOTHING;
    expect(s.points[1]?.smooth).toBeCloseTo((b * (1 - b)) / (1 - b * b), 12);
  });

  it('skips non-finite losses in the average and keeps them as raw points', () => {
    const s = fill([1, Number.NaN, 1]);
    expect(s.points.map((p) => p.smooth)).toEqual([1, 1, 1].map((v) => expect.closeTo(v, 12)));
    expect(Number.isNaN(s.points[1]?.loss)).toBe(true);
  });
});

describe('batch loss decimation', () => {
  const noisyDecay = Array.from(
    { length: 5000 },
    (_, i) => 2 * Math.exp(-i / 1000) + 0.1 * Math.sin(i),
  );

  it('respects the cap and keeps the first and the latest point', () => {
    const cap = 100;
    let s = emptySeries();
    noisyDecay.forEach((loss, i) => {
      s = appendBatchLoss(s, i + 1, loss, cap);
      expect(s.points.length).toBeLessThanOrEqual(cap);
      expect(s.points[0]?.step).toBe(1);
      expect(s.points[s.points.length - 1]?.step).toBe(i + 1);
    });
    expect(s.points.length).toBeGreaterThan(cap / 2);
    expect(s.received).toBe(noisyDecay.length);
  });

  it('keeps evenly spaced points, so the curve keeps its shape', () => {
    const s = fill(noisyDecay, 100);
    const kept = s.points.slice(0, -1);
    const gaps = new Set(kept.slice(1).map((p, i) => p.step - (kept[i]?.step ?? 0)));
    expect(gaps).toEqual(new Set([s.stride]));
    // The smoothed curve at the kept points is the one computed over every point.
    const full = fill(noisyDecay, 1_000_000);
    for (const p of s.points) expect(p.smooth).toBe(full.points[p.index]?.smooth);
  });

  it('does not change the series it was given', () => {
    const s = fill([1, 2, 3], 2);
    const copy = structuredClone(s);
    appendBatchLoss(s, 4, 4, 2);
    expect(s).toEqual(copy);
  });
});
