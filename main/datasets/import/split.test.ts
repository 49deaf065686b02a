import { describe, expect, it } from 'vitest';
import type { SplitName } from '../types.ts';
import { assignSplits, splitCounts, splitSettings } from './split.ts';
import type { SplitCandidate } from './split.ts';

/** `perClass[c]` images of class c, keyed so key order and class order differ. */
function candidates(perClass: readonly number[]): SplitCandidate[] {
  return perClass.flatMap((count, classIndex) =>
    Array.from({ length: count }, (_, i) => ({
      key: `${(i * 7919) % 1000}-${classIndex}`,
      classIndex,
    })),
  );
}

function tally(items: readonly SplitCandidate[], splits: readonly SplitName[], classIndex: number) {
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  items.forEach((item, i) => {
    if (item.classIndex === classIndex) counts[splits[i] ?? 'train'] += 1;
  });
  return counts;
}

const fractions = { validation: 0.1, test: 0.2 };

describe('the ratio split', () => {
  it('shares out every class within one image of its proportion', () => {
    const items = candidates([100, 37, 11, 5]);
    const splits = assignSplits(items, fractions, 3);
    expect(splits.filter((s) => s === 'test')).toHaveLength(Math.round(153 * 0.2));
    expect(splits.filter((s) => s === 'validation')).toHaveLength(Math.round(153 * 0.1));
    [100, 37, 11, 5].forEach((count, c) => {
      const counts = tally(items, splits, c);
      expect(Math.abs(counts.test - count * 0.2)).toBeLessThanOrEqual(1);
      expect(Math.abs(counts.validation - count * 0.1)).toBeLessThanOrEqual(1);
    });
  });

  it('is the same for the same keys and seed, whatever their order', () => {
    const items = candidates([30, 20, 10]);
    const splits = assignSplits(items, fractions, 9);
    const reversed = [...items].reverse();
    const splitsOfReversed = assignSplits(reversed, fractions, 9);
    const byKey = new Map(reversed.map((item, i) => [item.key, splitsOfReversed[i]]));
    items.forEach((item, i) => expect(byKey.get(item.key)).toBe(splits[i]));
    expect(assignSplits(items, fractions, 9)).toEqual(splits);
    expect(assignSplits(items, fractions, 10)).not.toEqual(splits);
  });

  it('leaves no split empty from three images on, and a lone class image in train', () => {
    expect(splitCounts(3, { validation: 0.1, test: 0.1 })).toEqual({ test: 1, validation: 1 });
    expect(splitCounts(2, { validation: 0.1, test: 0.1 })).toEqual({ test: 0, validation: 0 });
    expect(splitCounts(10, { validation: 0, test: 0.1 })).toEqual({ test: 1, validation: 0 });
    expect(splitCounts(4, { validation: 0.45, test: 0.45 })).toEqual({ test: 2, validation: 1 });
    const items = candidates([20, 1]);
    const splits = assignSplits(items, { validation: 0.2, test: 0.2 }, 1);
    expect(splits[items.length - 1]).toBe('train');
  });

  it('refuses fractions and seeds it cannot use, in a sentence', () => {
    expect(() => splitSettings({ validationFraction: 1.5 })).toThrow(
      'validationFraction must be a fraction from 0 up to 1; got 1.5.',
    );
    expect(() => splitSettings({ validationFraction: 0.6, testFraction: 0.4 })).toThrow(
      'validationFraction and testFraction together must leave images to train on; got 0.6 + 0.4.',
    );
    expect(() => splitSettings({ seed: 0.5 })).toThrow('seed must be a whole number; got 0.5.');
    expect(splitSettings({})).toEqual({ fractions: { validation: 0.1, test: 0.1 }, seed: 1 });
  });
});
