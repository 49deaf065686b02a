import { describe, expect, it } from 'vitest';
import { createRng, shuffle } from './rng.ts';

function take(count: number, next: () => number): number[] {
  return Array.from({ length: count }, next);
}

describe('createRng', () => {
  it('repeats the same sequence for the same seed words', () => {
    const a = createRng(42, 7);
    const b = createRng(42, 7);
    expect(take(20, () => a.nextUint32())).toEqual(take(20, () => b.nextUint32()));
  });

  it('gives different sequences for different seeds, word orders and high bits', () => {
    const first = (...words: number[]) => take(4, () => createRng(...words).nextUint32());
    expect(first(1)).not.toEqual(first(2));
    expect(first(1, 2)).not.toEqual(first(2, 1));
    expect(first(1)).not.toEqual(first(2 ** 32 + 1));
    expect(first(-1)).not.toEqual(first(1));
  });

  it('refuses seeds that are not safe integers', () => {
    expect(() => createRng(1.5)).toThrow(/safe integer; got 1.5/);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });

  it('keeps floats, ints and ranges within their bounds', () => {
    const rng = createRng(3);
    for (let i = 0; i < 2000; i += 1) {
      const float = rng.nextFloat();
      expect(float).toBeGreaterThanOrEqual(0);
      expect(float).toBeLessThan(1);
      const int = rng.nextInt(7);
      expect(Number.isInteger(int) && int >= 0 && int < 7).toBe(true);
      const ranged = rng.nextRange(-2, 5);
      expect(ranged).toBeGreaterThanOrEqual(-2);
      expect(ranged).toBeLessThan(5);
    }
    expect(() => rng.nextInt(0)).toThrow(RangeError);
    expect(() => rng.nextInt(2.5)).toThrow(RangeError);
  });

  it('draws every integer below the bound about equally often', () => {
    const rng = createRng(11);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i += 1) {
      const k = rng.nextInt(10);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(880);
    for (const count of counts) expect(count).toBeLessThan(1120);
  });

  it('draws standard normal deviates', () => {
    const rng = createRng(5);
    const values = take(20_000, () => rng.normal());
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const beyondTwoSigma = values.filter((v) => Math.abs(v) > 2).length / values.length;
    expect(beyondTwoSigma).toBeGreaterThan(0.037);
    expect(beyondTwoSigma).toBeLessThan(0.055);
  });
});

describe('shuffle', () => {
  it('permutes in place, deterministically per seed', () => {
    const original = Array.from({ length: 50 }, (_, i) => i);
    const a = shuffle([...original], createRng(9));
    const b = shuffle(Int32Array.from(original), createRng(9));
    const c = shuffle([...original], createRng(10));
    expect([...a].sort((x, y) => x - y)).toEqual(original);
    expect(a).not.toEqual(original);
    expect(Array.from(b)).toEqual(a);
    expect(c).not.toEqual(a);
  });
});
