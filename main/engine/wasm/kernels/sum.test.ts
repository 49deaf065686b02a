import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as support from '../test-support/conv.ts';
import { useEngineLoops } from '../parallel.ts';
import { registerWasmConv2DBackpropFilter } from './conv2d-backprop-filter.ts';
import { registerWasmSum } from './sum.ts';

const log = new support.ErrorLog('Sum');

async function sumOn(
  backend: 'cpu' | 'wasm',
  shape: number[],
  axis: number | number[] | undefined,
  keepDims: boolean,
  seed: number,
  reduce: typeof tf.sum = tf.sum,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor(support.seededValues(support.product(shape), seed), shape);
    const s = reduce(x, axis, keepDims);
    return { shape: s.shape, values: s.dataSync() as Float32Array };
  });
}

const shapes = [[7], [3, 5], [32, 10], [2, 3, 4], [4, 6, 5, 3], [2, 9, 8, 16], [3, 1, 4, 2, 5]];

/** Every set of axes of a rank: leading ones (this kernel), others (the stock one), negative. */
function axesOf(rank: number): (number | number[] | undefined)[] {
  const sets: (number | number[] | undefined)[] = [undefined, -1];
  for (let k = 1; k <= rank; k++) sets.push(Array.from({ length: k }, (_, i) => i));
  if (rank > 1) sets.push([1], [0, rank - 1], [rank - 1, 0], [-rank]);
  return sets;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmSum();
  registerWasmConv2DBackpropFilter();
});

afterAll(() => {
  console.info(log.summary());
});

describe('wasm Sum against the cpu backend', () => {
  it.each(shapes.map((shape) => ({ shape })))(
    'sums [$shape] over every set of axes',
    async ({ shape }) => {
      let seed = shape.length * 100;
      for (const axis of axesOf(shape.length)) {
        for (const keepDims of [false, true]) {
          const expected = await sumOn('cpu', shape, axis, keepDims, (seed += 1));
          const actual = await sumOn('wasm', shape, axis, keepDims, seed);
          expect(actual.shape, JSON.stringify({ shape, axis, keepDims })).toEqual(expected.shape);
          log.record('cpu', support.maxRelativeError(actual.values, expected.values), {
            shape,
            axis,
          });
        }
      }
    },
  );

  it.each(shapes.map((shape) => ({ shape })))(
    'averages [$shape] over every set of axes (Mean)',
    async ({ shape }) => {
      let seed = shape.length * 300;
      for (const axis of axesOf(shape.length)) {
        for (const keepDims of [false, true]) {
          const expected = await sumOn('cpu', shape, axis, keepDims, (seed += 1), tf.mean);
          const actual = await sumOn('wasm', shape, axis, keepDims, seed, tf.mean);
          expect(actual.shape, JSON.stringify({ shape, axis, keepDims })).toEqual(expected.shape);
          expect(
            support.maxRelativeError(actual.values, expected.values),
            JSON.stringify({ shape, axis }),
          ).toBeLessThan(1e-6);
        }
      }
    },
  );

  it('averages a BatchNormalization layer’s batch moments as cpu does', async () => {
    const expected = await sumOn('cpu', [8, 16, 16, 48], [0, 1, 2], false, 5, tf.mean);
    const actual = await sumOn('wasm', [8, 16, 16, 48], [0, 1, 2], false, 5, tf.mean);
    expect(support.maxRelativeError(actual.values, expected.values)).toBeLessThan(1e-6);
    await tf.setBackend('wasm');
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 7], [3, 2], 'int32');
    // The stock kernel's float mean of int32 values.
    expect(Array.from(tf.mean(ints, 0).dataSync())).toEqual([3, Math.fround(13 / 3)]);
    ints.dispose();
  });

  it("sums the reference model's bias gradients and int32 tensors", async () => {
    for (const shape of [
      [32, 64, 64, 32],
      [32, 32, 32, 64],
    ]) {
      const expected = await sumOn('cpu', shape, [0, 1, 2], false, 9);
      const actual = await sumOn('wasm', shape, [0, 1, 2], false, 9);
      log.record('cpu', support.maxRelativeError(actual.values, expected.values), { shape });
    }
    await tf.setBackend('wasm');
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const s = tf.sum(ints, 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.dataSync())).toEqual([9, 12]);
    tf.dispose([ints, s]);
  });
});

describe('the SIMD column sums', () => {
  // Sixteen columns and fewer, odd counts (the last column in JavaScript), rows past a block.
  it.each([
    [5000, 32],
    [3, 2],
    [700, 17],
    [40, 5],
    [2100, 64],
    [9, 3],
  ])('give the float64 loop’s bits: %i rows × %i columns', async (rows, columns) => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d(support.seededValues(rows * columns, rows + columns), [rows, columns]);
    const bits = (simd: boolean) => {
      useEngineLoops(simd);
      try {
        return tf.tidy(() => Array.from(new Uint32Array(tf.sum(x, 0).dataSync().buffer)));
      } finally {
        useEngineLoops(true);
      }
    };
    expect(bits(true)).toEqual(bits(false));
    x.dispose();
  });
});

describe('training a conv with a bias on wasm', () => {
  it('leaks no tensors and no wasm memory', () =>
    support.expectTrainingLeaksNothing(
      () =>
        tf.sequential({
          layers: [tf.layers.conv2d({ inputShape: [16, 16, 8], filters: 8, kernelSize: 3 })],
        }),
      [8, 16, 16, 8],
    ));

  it('is a no-op when registered again', () => {
    const first = tf.getKernel('Sum', 'wasm');
    registerWasmSum();
    expect(tf.getKernel('Sum', 'wasm')).toBe(first);
  });
});
