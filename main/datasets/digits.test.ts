import { describe, expect, it } from 'vitest';
import {
  DIGITS_FULL_SIZE,
  INK_THRESHOLD,
  digitSourceOrder,
  drawDigitPlacement,
  loadDigits,
  renderDigit,
} from './digits.ts';
import { mnistCounts, mnistImage, sourceRefOf } from './mnist-source.ts';
import { createRng } from './rng.ts';
import type { Dataset, DatasetSplit } from './types.ts';

const small = { imageShape: [32, 32, 3], seed: 7, limit: 60 } as const;

function allSplits(dataset: Dataset): DatasetSplit[] {
  return [dataset.splits.train, dataset.splits.validation, dataset.splits.test];
}

function labelsInOrder(dataset: Dataset): number[] {
  return allSplits(dataset).flatMap((split) => Array.from(split.targets.class ?? []));
}

describe('the mnist source', () => {
  it('has 10,000 real digits with ink that varies from digit to digit', () => {
    const counts = mnistCounts();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(DIGITS_FULL_SIZE);
    const means = [0, 1, 2, 3, 4].map((label) => {
      const image = mnistImage({ label, index: 5 });
      expect(image.length).toBe(784);
      return image.reduce((a, b) => a + b, 0) / image.length;
    });
    for (const mean of means) expect(mean).toBeGreaterThan(0.04);
    for (const mean of means) expect(mean).toBeLessThan(0.4);
    expect(new Set(means.map((m) => m.toFixed(4))).size).toBe(means.length);
    expect(() => mnistImage({ label: 0, index: counts[0] ?? 0 })).toThrow(RangeError);
  });

  it('maps flat ids through the label groups', () => {
    const counts = [3, 2, 4];
    expect(sourceRefOf(0, counts)).toEqual({ label: 0, index: 0 });
    expect(sourceRefOf(4, counts)).toEqual({ label: 1, index: 1 });
    expect(sourceRefOf(8, counts)).toEqual({ label: 2, index: 3 });
    expect(() => sourceRefOf(9, counts)).toThrow(RangeError);
  });
});

describe('renderDigit', () => {
  it('places the scaled digit and boxes exactly its ink above the threshold', () => {
    const rng = createRng(1);
    for (let trial = 0; trial < 20; trial += 1) {
      const placement = drawDigitPlacement(rng, 40, 48);
      expect(placement.left + placement.side).toBeLessThanOrEqual(48);
      expect(placement.top + placement.side).toBeLessThanOrEqual(40);
      const { grey, box } = renderDigit(
        mnistImage({ label: trial % 10, index: trial }),
        placement,
        40,
        48,
      );
      const { background } = placement;
      let inkSum = 0;
      const edgeInk = [0, 0, 0, 0];
      for (let y = 0; y < 40; y += 1) {
        for (let x = 0; x < 48; x += 1) {
          // Recovering ink from the blend costs float rounding: allow 1e-4 either side.
          const ink = ((grey[y * 48 + x] ?? 0) - background) / (1 - background);
          inkSum += ink;
          const inside = x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
          if (!inside) expect(ink).toBeLessThan(INK_THRESHOLD + 1e-4);
          if (ink <= INK_THRESHOLD - 1e-4) continue;
          if (x === box.left) edgeInk[0] = 1;
          if (x === box.right) edgeInk[1] = 1;
          if (y === box.top) edgeInk[2] = 1;
          if (y === box.bottom) edgeInk[3] = 1;
        }
      }
      expect(edgeInk).toEqual([1, 1, 1, 1]);
      expect(inkSum / placement.side ** 2).toBeGreaterThan(0.04);
    }
  });
});

describe('loadDigits', () => {
  it('is byte-identical for the same seed and different for another', () => {
    const a = loadDigits(small);
    const b = loadDigits(small);
    const c = loadDigits({ ...small, seed: 8 });
    for (const name of ['train', 'validation', 'test'] as const) {
      expect(a.splits[name].images).toEqual(b.splits[name].images);
      expect(a.splits[name].targets).toEqual(b.splits[name].targets);
    }
    expect(a.splits.train.images).not.toEqual(c.splits.train.images);
    expect(a.splits.train.targets.box).not.toEqual(c.splits.train.targets.box);
  });

  it('splits 80/10/10 and uses each source digit once, in the seeded order', () => {
    const dataset = loadDigits({ ...small, limit: 100 });
    expect(allSplits(dataset).map((split) => split.size)).toEqual([80, 10, 10]);
    expect(allSplits(loadDigits({ ...small, limit: 3 })).map((s) => s.size)).toEqual([1, 1, 1]);
    const order = digitSourceOrder(small.seed);
    expect(new Set(order).size).toBe(DIGITS_FULL_SIZE);
    expect(Math.min(...order)).toBe(0);
    expect(Math.max(...order)).toBe(DIGITS_FULL_SIZE - 1);
    // Samples take the order's prefix split by split, so no source digit is in two splits.
    const counts = mnistCounts();
    const expected = Array.from(order.subarray(0, 100), (id) => sourceRefOf(id, counts).label);
    expect(labelsInOrder(dataset)).toEqual(expected);
  });

  it('draws sample k the same whatever the limit', () => {
    const shortRun = loadDigits({ ...small, limit: 10 });
    const longRun = loadDigits({ ...small, limit: 20 });
    const bytes = 32 * 32 * 3;
    expect(longRun.splits.train.images.subarray(0, 8 * bytes)).toEqual(
      shortRun.splits.train.images,
    );
  });

  it('gives boxes inside the canvas and class indices in range', () => {
    for (const split of allSplits(loadDigits({ ...small, imageShape: [24, 40, 1], limit: 120 }))) {
      const boxes = split.targets.box ?? new Float32Array();
      expect(boxes.length).toBe(split.size * 4);
      for (let i = 0; i < split.size; i += 1) {
        const [xmin = 0, ymin = 0, xmax = 0, ymax = 0] = boxes.subarray(i * 4, i * 4 + 4);
        expect(xmin).toBeGreaterThanOrEqual(0);
        expect(ymin).toBeGreaterThanOrEqual(0);
        expect(xmax).toBeLessThanOrEqual(1);
        expect(ymax).toBeLessThanOrEqual(1);
        expect(xmin).toBeLessThan(xmax);
        expect(ymin).toBeLessThan(ymax);
      }
      for (const label of split.targets.class ?? []) expect(label >= 0 && label < 10).toBe(true);
    }
  });

  it('boxes the ink tightly in the stored noise-free images', () => {
    const [height, width] = [32, 36];
    const dataset = loadDigits(
      { imageShape: [height, width, 1], seed: 3, limit: 40 },
      { noiseSigma: 0 },
    );
    const { images, targets, size } = dataset.splits.train;
    for (let i = 0; i < size; i += 1) {
      const image = images.subarray(i * height * width, (i + 1) * height * width);
      const background = Math.min(...image);
      const inkAt = (x: number, y: number) =>
        ((image[y * width + x] ?? 0) - background) / (255 - background);
      const [xmin = 0, ymin = 0, xmax = 0, ymax = 0] =
        targets.box?.subarray(i * 4, i * 4 + 4) ?? [];
      const [left, top] = [Math.round(xmin * width), Math.round(ymin * height)];
      const [right, bottom] = [Math.round(xmax * width) - 1, Math.round(ymax * height) - 1];
      const edgeInk = [0, 0, 0, 0];
      for (let y = 0; y < height; y += 1) {
        for (let x = 0; x < width; x += 1) {
          const ink = inkAt(x, y);
          const inside = x >= left && x <= right && y >= top && y <= bottom;
          // Byte rounding moves ink by under 1/255, so compare with a little slack either side.
          if (!inside) expect(ink).toBeLessThan(INK_THRESHOLD + 0.01);
          if (ink <= INK_THRESHOLD - 0.01) continue;
          if (x === left) edgeInk[0] = 1;
          if (x === right) edgeInk[1] = 1;
          if (y === top) edgeInk[2] = 1;
          if (y === bottom) edgeInk[3] = 1;
        }
      }
      expect(edgeInk).toEqual([1, 1, 1, 1]);
    }
  });

  it('repeats grey across channels, matching the 1-channel rendering', () => {
    const colour = loadDigits({ ...small, limit: 10 });
    const grey = loadDigits({ ...small, imageShape: [32, 32, 1], limit: 10 });
    const rgb = colour.splits.test.images;
    const one = grey.splits.test.images;
    expect(rgb.length).toBe(one.length * 3);
    for (let pixel = 0; pixel < one.length; pixel += 1) {
      expect(rgb[pixel * 3]).toBe(one[pixel]);
      expect(rgb[pixel * 3 + 1]).toBe(one[pixel]);
      expect(rgb[pixel * 3 + 2]).toBe(one[pixel]);
    }
    expect(colour.splits.test.targets).toEqual(grey.splits.test.targets);
  });

  it('has all ten digits in 1,000 samples, with ink that varies between samples', () => {
    const dataset = loadDigits({ imageShape: [16, 16, 1], seed: 1, limit: 1000 });
    expect(new Set(labelsInOrder(dataset)).size).toBe(10);
    const { images } = dataset.splits.validation;
    const means = Array.from({ length: 10 }, (_, i) => {
      const image = images.subarray(i * 256, (i + 1) * 256);
      return image.reduce((a, b) => a + b, 0) / 256 / 255;
    });
    for (const mean of means) expect(mean).toBeGreaterThan(0.05);
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(0.03);
  });

  it('refuses limits it cannot honour', () => {
    expect(() => loadDigits({ ...small, limit: 20_000 })).toThrow(
      'The digits dataset has 10000 samples; --limit 20000 is more than that.',
    );
    expect(() => loadDigits({ ...small, limit: 2 })).toThrow(/at least 3 samples/);
  });
});
