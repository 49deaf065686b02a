import { expect } from 'vitest';

/** Values and comparisons shared by the tests of the kernels the engine supplies to wasm. */

/** Deterministic values in [-1, 1) so both backends see identical data. */
export function seededValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

export const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Largest |actual - expected| / max(1, |expected|). */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let largest = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] ?? Number.NaN;
    const a = actual[i] ?? Number.NaN;
    const error = Math.abs(a - e) / Math.max(1, Math.abs(e));
    largest = Number.isNaN(error) ? Infinity : Math.max(largest, error);
  }
  return largest;
}
