import { describe, expect, it } from 'vitest';
import { toByte } from './canvas.ts';
import { SPLIT_NAMES } from './dataset-builder.ts';
import { mnistCounts, mnistImage, MNIST_SIDE, sourceRefOf } from './mnist-source.ts';
import {
  MULTIDIGITS_FULL_SIZE,
  PAIR_CANVAS_SIDE,
  composePair,
  loadMultiDigits,
  multiDigitPairs,
  resizePair,
} from './multidigits.ts';
import type { Dataset } from './types.ts';

const paper = { imageShape: [28, 28, 1], seed: 7, limit: 60 } as const;
const SIDE = PAIR_CANVAS_SIDE;

/** A digit frame inked everywhere, so every pixel of its placement shows. */
const solid = (value: number) => new Float32Array(MNIST_SIDE * MNIST_SIDE).fill(value);
const blank = () => new Float32Array(MNIST_SIDE * MNIST_SIDE);

function inkedRegion(canvas: Float32Array): {
  top: number;
  left: number;
  bottom: number;
  right: number;
} {
  let top = SIDE;
  let left = SIDE;
  let bottom = -1;
  let right = -1;
  canvas.forEach((value, i) => {
    if (value === 0) return;
    const [y, x] = [Math.floor(i / SIDE), i % SIDE];
    top = Math.min(top, y);
    left = Math.min(left, x);
    bottom = Math.max(bottom, y);
    right = Math.max(right, x);
  });
  return { top, left, bottom, right };
}

const labelsOf = (dataset: Dataset, target: string) =>
  SPLIT_NAMES.flatMap((s) => Array.from(dataset.splits[s].targets[target] ?? []));

describe('composePair', () => {
  it('puts the left digit at rows and columns 0–27 and the right digit at 6–33', () => {
    expect(inkedRegion(composePair(solid(1), blank()))).toEqual({
      top: 0,
      left: 0,
      bottom: 27,
      right: 27,
    });
    expect(inkedRegion(composePair(blank(), solid(1)))).toEqual({
      top: 6,
      left: 6,
      bottom: 33,
      right: 33,
    });
  });

  it('copies each digit pixel for pixel and keeps the brighter where they overlap', () => {
    const left = mnistImage({ label: 3, index: 11 });
    const right = mnistImage({ label: 8, index: 4 });
    const canvas = composePair(left, right);
    for (let y = 0; y < SIDE; y += 1) {
      for (let x = 0; x < SIDE; x += 1) {
        const inLeft = y < 28 && x < 28 ? (left[y * 28 + x] ?? 0) : 0;
        const inRight =
          y >= 6 && x >= 6 && y < 34 && x < 34 ? (right[(y - 6) * 28 + x - 6] ?? 0) : 0;
        expect(canvas[y * SIDE + x]).toBe(Math.max(inLeft, inRight));
      }
    }
    // The two digits really do overlap: some pixel is inked by both.
    const shared = Array.from({ length: 22 * 22 }, (_, k) => [
      6 + Math.floor(k / 22),
      6 + (k % 22),
    ]);
    expect(
      shared.some(
        ([y = 0, x = 0]) => (left[y * 28 + x] ?? 0) > 0 && (right[(y - 6) * 28 + x - 6] ?? 0) > 0,
      ),
    ).toBe(true);
  });
});

describe('multiDigitPairs', () => {
  const pairs = multiDigitPairs(7);

  it('partitions the source digits: no digit of a test image is in a training or validation image', () => {
    expect(SPLIT_NAMES.map((s) => pairs[s].left.length)).toEqual([8000, 1000, 1000]);
    const idsOf = (...splits: (typeof SPLIT_NAMES)[number][]) =>
      new Set(splits.flatMap((s) => [...pairs[s].left, ...pairs[s].right]));
    const test = idsOf('test');
    const validation = idsOf('validation');
    const seen = idsOf('train', 'validation');
    expect([...test].filter((id) => seen.has(id))).toEqual([]);
    const train = idsOf('train');
    expect([...validation].filter((id) => train.has(id))).toEqual([]);
    // Every source digit is the left digit of exactly one image.
    const lefts = SPLIT_NAMES.flatMap((s) => [...pairs[s].left]);
    expect(new Set(lefts).size).toBe(MULTIDIGITS_FULL_SIZE);
    // A right digit comes from its own partition and is never the image's left digit.
    for (const s of SPLIT_NAMES) {
      const partition = new Set(pairs[s].left);
      const strays = pairs[s].right.filter(
        (id, row) => !partition.has(id) || id === pairs[s].left[row],
      );
      expect(strays).toEqual(new Int32Array(0));
    }
  });

  it('draws the pairs by the seed', () => {
    const again = multiDigitPairs(7);
    const other = multiDigitPairs(8);
    for (const s of SPLIT_NAMES) {
      expect(again[s].left).toEqual(pairs[s].left);
      expect(again[s].right).toEqual(pairs[s].right);
    }
    expect(other.test.left).not.toEqual(pairs.test.left);
    expect(other.train.right).not.toEqual(pairs.train.right);
  });
});

describe('loadMultiDigits', () => {
  const dataset = loadMultiDigits(paper);

  it('draws each image from its pair: the canvas resized to the input, labels from the source digits', () => {
    const pairs = multiDigitPairs(paper.seed);
    const counts = mnistCounts();
    for (const s of SPLIT_NAMES) {
      const split = dataset.splits[s];
      for (let row = 0; row < split.size; row += 1) {
        const leftId = pairs[s].left[row] ?? -1;
        const rightId = pairs[s].right[row] ?? -1;
        const left = sourceRefOf(leftId, counts);
        const right = sourceRefOf(rightId, counts);
        expect(split.targets.left?.[row]).toBe(left.label);
        expect(split.targets.right?.[row]).toBe(right.label);
        const expected = resizePair(composePair(mnistImage(left), mnistImage(right)), 28, 28);
        expect(Array.from(split.images.subarray(row * 784, (row + 1) * 784))).toEqual(
          Array.from(expected, toByte),
        );
      }
    }
  });

  it('is byte-identical for the same seed and differs for another', () => {
    const again = loadMultiDigits(paper);
    const other = loadMultiDigits({ ...paper, seed: 8 });
    for (const s of SPLIT_NAMES) {
      expect(again.splits[s].images).toEqual(dataset.splits[s].images);
      expect(again.splits[s].targets).toEqual(dataset.splits[s].targets);
    }
    expect(other.splits.train.images).not.toEqual(dataset.splits.train.images);
  });

  it('sizes its splits by --limit, each a prefix of the full split', () => {
    expect(SPLIT_NAMES.map((s) => dataset.splits[s].size)).toEqual([48, 6, 6]);
    const small = loadMultiDigits({ ...paper, limit: 10 });
    expect(SPLIT_NAMES.map((s) => small.splits[s].size)).toEqual([8, 1, 1]);
    for (const s of SPLIT_NAMES) {
      const size = small.splits[s].size;
      expect(small.splits[s].images).toEqual(dataset.splits[s].images.subarray(0, size * 784));
      expect(small.splits[s].targets.left).toEqual(
        dataset.splits[s].targets.left?.subarray(0, size),
      );
    }
  });

  it('builds the full set of 10,000 images with every digit on both sides', () => {
    const full = loadMultiDigits({ imageShape: [28, 28, 1], seed: 42 });
    expect(SPLIT_NAMES.map((s) => full.splits[s].size)).toEqual([8000, 1000, 1000]);
    for (const target of ['left', 'right']) {
      const counts = new Array<number>(10).fill(0);
      for (const label of labelsOf(full, target)) counts[label] = (counts[label] ?? 0) + 1;
      // MNIST's classes hold 9–11% each; a pairing that lost a class would show here.
      for (const count of counts) expect(count).toBeGreaterThan(800);
    }
  });

  it('repeats the grey image across three channels and follows the input size', () => {
    const colour = loadMultiDigits({ ...paper, imageShape: [28, 28, 3], limit: 10 });
    const grey = dataset.splits.train.images;
    colour.splits.train.images.forEach((byte, i) => {
      expect(byte).toBe(grey[Math.floor(i / 3)]);
    });
    const large = loadMultiDigits({ ...paper, imageShape: [36, 40, 1], limit: 10 });
    expect(large.imageShape).toEqual([36, 40, 1]);
    expect(large.splits.train.images.length).toBe(8 * 36 * 40);
  });
});
