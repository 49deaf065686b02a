/**
 * The "multidigits" built-in dataset: MultiMNIST as in Sener & Koltun, "Multi-Task Learning as
 * Multi-Objective Optimization" (NeurIPS 2018), the benchmark most multi-task papers start from.
 * Two real MNIST digits share one image: the left digit at rows and columns 0–27 of a 36×36
 * canvas, the right digit at 6–33, overlapping by pixel maximum, the canvas then resized to the
 * graph's input (28×28 in the paper). Tasks: which digit is on the left, which on the right.
 */
import { resizeGrey, writeGreyAsChannels } from './canvas.ts';
import { buildDataset, planSplits, SPLIT_NAMES } from './dataset-builder.ts';
import { digitSourceOrder } from './digits.ts';
import { MNIST_SIDE, checkedMnistCounts, mnistImage, sourceRefOf } from './mnist-source.ts';
import { resolveSampleCount } from './options.ts';
import { createRng } from './rng.ts';
import type { BuiltInDatasetOptions, Dataset, DatasetTarget, SplitName } from './types.ts';

export const MULTIDIGITS_NAME = 'multidigits';
export const MULTIDIGITS_DESCRIPTION =
  'MultiMNIST (Sener & Koltun 2018): two real handwritten digits overlapping on one image, one at the top left and one at the bottom right: name each.';
/** One pair per source digit: each digit is the left digit of exactly one image. */
export const MULTIDIGITS_FULL_SIZE = 10_000;
const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const MULTIDIGITS_TARGETS: readonly DatasetTarget[] = [
  { name: 'left', kind: 'class', classes: DIGIT_CLASSES },
  { name: 'right', kind: 'class', classes: DIGIT_CLASSES },
];

/** The paper's canvas: 36×36, the left digit's frame at offset 0, the right digit's at 6. */
export const PAIR_CANVAS_SIDE = 36;
export const LEFT_OFFSET = 0;
export const RIGHT_OFFSET = 6;

/** Its own stream, so which right digit joins which left digit never shifts with other draws. */
const PAIR_STREAM = 0x7061;

/** Flat source-digit ids (see sourceRefOf) of each image's two digits, split by split. */
export interface DigitPairs {
  readonly left: Int32Array;
  readonly right: Int32Array;
}

/**
 * The seeded digit pairs of every split at its full size. The source digits are partitioned
 * first (80/10/10 in the seeded order, as the digits dataset splits them) and pairs are made
 * only within a partition, so no digit of a test image appears in a training or validation
 * image. Row r of a split has its partition's r-th digit on the left and another digit of the
 * same partition, drawn from row r's own stream, on the right: a --limit takes a prefix of each
 * split, and a sample is the same image whatever the limit.
 */
export function multiDigitPairs(seed: number): Readonly<Record<SplitName, DigitPairs>> {
  const order = digitSourceOrder(seed);
  const plan = planSplits(order.length);
  const pairs: Partial<Record<SplitName, DigitPairs>> = {};
  let start = 0;
  SPLIT_NAMES.forEach((splitName, splitIndex) => {
    const partition = order.subarray(start, start + plan[splitName]);
    start += partition.length;
    const size = partition.length;
    const right = new Int32Array(size);
    for (let row = 0; row < size; row += 1) {
      // Any other digit of the partition: skipping the row's own keeps a digit off both sides.
      const rng = createRng(seed, PAIR_STREAM, splitIndex, row);
      right[row] = partition[(row + 1 + rng.nextInt(size - 1)) % size] ?? 0;
    }
    pairs[splitName] = { left: partition.slice(), right };
  });
  return pairs as Record<SplitName, DigitPairs>;
}

/**
 * The paper's 36×36 canvas of two 28×28 digits: the left one's frame at LEFT_OFFSET, the right
 * one's at RIGHT_OFFSET, the brighter of the two where they overlap. Pure.
 */
export function composePair(left: Float32Array, right: Float32Array): Float32Array {
  const canvas = new Float32Array(PAIR_CANVAS_SIDE * PAIR_CANVAS_SIDE);
  for (const [digit, offset] of [
    [left, LEFT_OFFSET],
    [right, RIGHT_OFFSET],
  ] as const) {
    for (let y = 0; y < MNIST_SIDE; y += 1) {
      const row = (y + offset) * PAIR_CANVAS_SIDE + offset;
      for (let x = 0; x < MNIST_SIDE; x += 1) {
        const value = digit[y * MNIST_SIDE + x] ?? 0;
        if (value > (canvas[row + x] ?? 0)) canvas[row + x] = value;
      }
    }
  }
  return canvas;
}

/**
 * The canvas at the graph's input size. The paper shrank it with nearest-neighbour sampling; we
 * use the tent filter all built-in datasets use (bilinear, widened to average when shrinking),
 * which keeps thin strokes that nearest-neighbour would drop.
 */
export function resizePair(canvas: Float32Array, height: number, width: number): Float32Array {
  return resizeGrey(
    { width: PAIR_CANVAS_SIDE, height: PAIR_CANVAS_SIDE, data: canvas },
    width,
    height,
  ).data;
}

export function loadMultiDigits(options: BuiltInDatasetOptions): Dataset {
  const sampleCount = resolveSampleCount(MULTIDIGITS_NAME, MULTIDIGITS_FULL_SIZE, options);
  const [height, width, channels] = options.imageShape;
  const counts = checkedMnistCounts(MULTIDIGITS_FULL_SIZE);
  const pairs = multiDigitPairs(options.seed);
  const plan = planSplits(sampleCount);
  // Each source digit is read once, however many images share it.
  const images = new Map<number, Float32Array>();
  const digit = (id: number) => {
    let image = images.get(id);
    if (image === undefined) {
      image = mnistImage(sourceRefOf(id, counts));
      images.set(id, image);
    }
    return image;
  };
  return buildDataset(
    {
      name: MULTIDIGITS_NAME,
      description: MULTIDIGITS_DESCRIPTION,
      imageShape: options.imageShape,
      targets: MULTIDIGITS_TARGETS,
      sampleCount,
    },
    (sampleIndex, pixels) => {
      // buildDataset renders train, then validation, then test; row r of each split is pair r.
      let row = sampleIndex;
      let splitName: SplitName = 'train';
      for (const name of SPLIT_NAMES) {
        splitName = name;
        if (row < plan[name]) break;
        row -= plan[name];
      }
      const split = pairs[splitName];
      const leftId = split.left[row] ?? 0;
      const rightId = split.right[row] ?? 0;
      const canvas = composePair(digit(leftId), digit(rightId));
      writeGreyAsChannels(resizePair(canvas, height, width), channels, pixels);
      return {
        left: sourceRefOf(leftId, counts).label,
        right: sourceRefOf(rightId, counts).label,
      };
    },
  );
}
