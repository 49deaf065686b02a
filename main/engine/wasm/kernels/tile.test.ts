import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../tf.ts';
import { seededValues } from '../test-support/values.ts';
import { registerWasmTile, wholeRepeats, wholeTiles } from './tile.ts';

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTile();
});

/** tf.tile of seeded values on a backend, as plain numbers. */
async function tileOn(backend: 'cpu' | 'wasm', shape: number[], reps: number[], dtype = 'float32') {
  await tf.setBackend(backend);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Array.from(seededValues(size, 3), (v) =>
    dtype === 'int32' ? Math.round(v * 9) : v,
  );
  return tf.tidy(() =>
    Array.from(tf.tile(tf.tensor(values, shape, dtype as 'float32' | 'int32'), reps).dataSync()),
  );
}

describe('wasm Tile', () => {
  it('knows when the input repeats whole', () => {
    expect(wholeRepeats([1, 1, 1, 8], [4, 5, 6, 1])).toBe(120);
    expect(wholeRepeats([1, 3], [2, 1])).toBe(2);
    expect(wholeRepeats([2, 3], [2, 1])).toBe(2);
    expect(wholeRepeats([1, 3], [2, 2])).toBe(4);
    expect(wholeRepeats([2, 3], [1, 2])).toBeUndefined();
    expect(wholeRepeats([2, 1], [1, 4])).toBeUndefined();
  });

  it.each([
    // BatchNormalization's gradient, odd sizes so the doubling copies end part-way.
    [
      [1, 1, 1, 7],
      [3, 5, 3, 1],
    ],
    [
      [2, 3],
      [5, 1],
    ],
    [
      [1, 3],
      [2, 2],
    ],
    [
      [2, 1, 3],
      [1, 4, 1],
    ],
  ])('gives %j tiled by %j exactly as the cpu backend', async (shape, reps) => {
    expect(await tileOn('wasm', shape, reps)).toEqual(await tileOn('cpu', shape, reps));
    expect(await tileOn('wasm', shape, reps, 'int32')).toEqual(
      await tileOn('cpu', shape, reps, 'int32'),
    );
  });

  it('keeps BatchNormalization’s gradient as it was, with no tensor left behind', async () => {
    const grads = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(seededValues(2 * 4 * 4 * 6, 5), [2, 4, 4, 6]);
        const scale = tf.tensor1d(seededValues(6, 6));
        const offset = tf.tensor1d(seededValues(6, 7));
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        const g = tf.grad((v: tf.Tensor) =>
          tf.batchNorm(v, mean, variance, offset, scale, 1e-3).square().sum(),
        )(x);
        return Array.from(g.dataSync());
      });
    };
    const cpu = await grads('cpu');
    const before = tf.memory().numTensors;
    const copies = wholeTiles();
    const wasm = await grads('wasm');
    expect(tf.memory().numTensors).toBe(before);
    expect(wholeTiles()).toBeGreaterThan(copies);
    wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i] as number, 4));
  });
});
