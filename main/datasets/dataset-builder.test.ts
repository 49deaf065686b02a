import { describe, expect, it } from 'vitest';
import { buildDataset, planSplits } from './dataset-builder.ts';
import type { DatasetTarget } from './types.ts';

describe('planSplits', () => {
  it('splits 80/10/10 with every split non-empty', () => {
    expect(planSplits(3)).toEqual({ train: 1, validation: 1, test: 1 });
    expect(planSplits(10)).toEqual({ train: 8, validation: 1, test: 1 });
    expect(planSplits(15)).toEqual({ train: 11, validation: 2, test: 2 });
    expect(planSplits(10_000)).toEqual({ train: 8000, validation: 1000, test: 1000 });
    for (let total = 3; total <= 300; total += 1) {
      const { train, validation, test } = planSplits(total);
      expect(train + validation + test).toBe(total);
      expect(Math.min(train, validation, test)).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('buildDataset', () => {
  const targets: readonly DatasetTarget[] = [
    { name: 'class', kind: 'class', classes: ['a', 'b'] },
    { name: 'box', kind: 'box' },
    { name: 'size', kind: 'numeric', columns: ['w'] },
  ];
  const spec = {
    name: 't',
    description: 'd',
    imageShape: [8, 8, 1] as const,
    targets,
    sampleCount: 10,
  };

  it('fills splits in sample order with images and targets', () => {
    const dataset = buildDataset(spec, (index, pixels) => {
      pixels.fill(index);
      return { class: index % 2, box: [0, 0, index / 10, 1], size: [index] };
    });
    const { train, validation, test } = dataset.splits;
    expect([train.size, validation.size, test.size]).toEqual([8, 1, 1]);
    expect(train.images.length).toBe(8 * 64);
    expect(train.images[64 * 3]).toBe(3);
    expect(Array.from(validation.images.subarray(0, 2))).toEqual([8, 8]);
    expect(Array.from(test.targets.size ?? [])).toEqual([9]);
    expect(test.targets.class).toBeInstanceOf(Int32Array);
    expect(Array.from(train.targets.box?.subarray(8, 12) ?? [])).toEqual(
      [0, 0, 0.2, 1].map(Math.fround),
    );
  });

  it('rejects a renderer whose values do not fit the targets', () => {
    expect(() => buildDataset(spec, () => ({ class: 0, box: [0, 0, 1], size: [1] }))).toThrow(
      /target 'box'/,
    );
  });
});
