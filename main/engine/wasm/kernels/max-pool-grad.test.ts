import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineLoopRecords, useEngineLoops } from '../parallel.ts';
import { registerWasmConv2DBackpropFilter } from './conv2d-backprop-filter.ts';
import { registerWasmMaxPoolGrad } from './max-pool-grad.ts';
import * as support from '../test-support/conv.ts';
import type { ConvCase } from '../test-support/conv.ts';

const log = new support.ErrorLog('MaxPoolGrad');

/**
 * d/dx of sum(maxPool(x) * weights) on `backend`. With `ties`, x goes through a ReLU first, so
 * most windows hold several zeros and the first of them must get the gradient, as on cpu.
 */
async function poolGradient(
  backend: 'cpu' | 'wasm',
  c: ConvCase,
  seed: number,
  ties: boolean,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const shape = support.xShape(c);
    const raw = tf.tensor4d(support.seededValues(support.product(shape), seed), shape);
    const x: tf.Tensor4D = ties ? raw.relu() : raw;
    const pool = (v: tf.Tensor4D) =>
      tf.maxPool(v, c.kernel, c.strides, c.pad as 'same' | 'valid' | number, c.dimRoundingMode);
    const outShape = pool(x).shape;
    const weights = tf.tensor(support.seededValues(support.product(outShape), seed + 1), outShape);
    const dx = tf.grad((v) =>
      pool(v as tf.Tensor4D)
        .mul(weights)
        .sum(),
    )(x);
    return dx.dataSync() as Float32Array;
  });
}

const expectMatchesCpu = (ties: boolean) => async (c: ConvCase, seed: number) => {
  const expected = await poolGradient('cpu', c, seed, ties);
  const actual = await poolGradient('wasm', c, seed, ties);
  log.record('cpu', support.maxRelativeError(actual, expected), { ...c, ties });
};

/** The conv grid's shapes as pools: the kernel is the window, the channels those of x. */
const poolCases = (strides: [number, number], pad: 'same' | 'valid') =>
  support.gridCases(strides, pad).filter((c) => c.outChannels === 2);

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmMaxPoolGrad();
  // The training comparisons go through a conv, whose filter gradient wasm lacks as shipped.
  registerWasmConv2DBackpropFilter();
});

afterAll(() => {
  console.info(log.summary());
});

describe('wasm MaxPoolGrad against the cpu backend', () => {
  it.each(support.gridStridesAndPadding)('strides $strides, padding $pad', ({ strides, pad }) =>
    support.checkEach(poolCases(strides, pad), 1, expectMatchesCpu(false)),
  );

  it.each(support.gridStridesAndPadding)(
    'sends tied maxima to the first pixel (strides $strides, padding $pad)',
    ({ strides, pad }) => support.checkEach(poolCases(strides, pad), 500, expectMatchesCpu(true)),
  );

  const edgeCases: ConvCase[] = [
    // Overlapping windows add up; rectangular windows. Numeric padding is left out: the stock
    // wasm MaxPool (the forward pass) writes out of the heap for many numeric pads.
    support.caseFromShapes([2, 9, 8, 3], [3, 3, 3, 1], [1, 1], 'valid'),
    support.caseFromShapes([2, 9, 8, 3], [3, 3, 3, 1], [1, 1], 'same'),
    support.caseFromShapes([2, 9, 8, 5], [3, 2, 5, 1], [2, 1], 'same'),
    support.caseFromShapes([1, 7, 9, 4], [2, 4, 4, 1], [2, 3], 'valid'),
    // The reference model's pools, at a small batch.
    support.caseFromShapes([2, 64, 64, 32], [2, 2, 32, 1], [2, 2], 'valid'),
    support.caseFromShapes([2, 32, 32, 64], [2, 2, 64, 1], [2, 2], 'valid'),
  ];

  it("handles overlapping and rectangular windows and the reference model's pools", async () => {
    await support.checkEach(edgeCases, 1000, expectMatchesCpu(false));
    await support.checkEach(edgeCases, 2000, expectMatchesCpu(true));
  });

  it('sends nothing from a window of -Infinity, as cpu does', async () => {
    const run = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(
          [-Infinity, -Infinity, -Infinity, -Infinity, 1, 2, 3, 4],
          [2, 2, 2, 1],
        );
        return Array.from(
          tf
            .grad((v) => tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid').sum())(x)
            .dataSync(),
        );
      });
    };
    expect(await run('wasm')).toEqual(await run('cpu'));
    expect(await run('wasm')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });
});

describe('the SIMD pass (channels in fours, windows inside the input)', () => {
  /** MaxPoolGrad's bits on wasm, through the SIMD pass or the JavaScript loop. */
  const gradBits = (simd: boolean, x: tf.Tensor4D, size: [number, number], stride: number) => {
    useEngineLoops(simd);
    try {
      return tf.tidy(() => {
        const y = tf.maxPool(x, size, stride, 'valid');
        const dy = tf.tensor(support.seededValues(y.size, 77), y.shape);
        const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, {
          filterSize: size,
          strides: stride,
          pad: 'valid',
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return Array.from(new Uint32Array((dx.dataSync() as Float32Array).buffer));
      });
    } finally {
      useEngineLoops(true);
    }
  };
  // Tiling windows (stored directly), overlapping ones and ones that leave pixels out (added to
  // a zeroed dx); ties after a ReLU, whole windows of −∞ and NaN.
  it.each([
    { shape: [2, 8, 6, 8], size: [2, 2], stride: 2 },
    { shape: [2, 7, 9, 4], size: [3, 3], stride: 1 },
    { shape: [1, 8, 8, 12], size: [2, 2], stride: 3 },
    { shape: [3, 9, 8, 4], size: [3, 2], stride: 2 },
    // Channels not in fours: a last, overlapping group where windows tile (10, 7, 5), the loop
    // elsewhere (overlapping windows, fewer than four channels).
    { shape: [2, 8, 6, 10], size: [2, 2], stride: 2 },
    { shape: [3, 4, 4, 7], size: [2, 2], stride: 2 },
    { shape: [2, 6, 6, 5], size: [3, 3], stride: 3 },
    { shape: [2, 7, 9, 6], size: [3, 3], stride: 1 },
    { shape: [2, 4, 4, 3], size: [2, 2], stride: 2 },
  ] as const)('gives the loop’s bits: $shape, window $size, stride $stride', async (c) => {
    await tf.setBackend('wasm');
    const n = support.product(c.shape);
    const values = support.seededValues(n, 5);
    for (let i = 0; i < n; i += 7) values[i] = 0;
    for (let i = 0; i < 16; i++) values[i] = Number.NEGATIVE_INFINITY;
    values[20] = Number.NaN;
    const x = tf
      .tensor4d(values, [...c.shape])
      .relu()
      .add(tf.scalar(0)) as tf.Tensor4D;
    const raw = tf.tensor4d(values, [...c.shape]);
    for (const input of [x, raw]) {
      const size = [...c.size] as [number, number];
      expect(gradBits(true, input, size, c.stride)).toEqual(gradBits(false, input, size, c.stride));
    }
    tf.dispose([x, raw]);
  });

  it('takes the SIMD pass for tiling windows over channels not in fours', async () => {
    await tf.setBackend('wasm');
    const runs = () =>
      engineLoopRecords()
        .filter((r) => r.id.startsWith('max-pool grad store tail'))
        .reduce((n, r) => n + r.runs, 0);
    const before = runs();
    const x = tf.tensor4d(support.seededValues(2 * 8 * 8 * 10, 3), [2, 8, 8, 10]);
    tf.dispose(tf.grad((v: tf.Tensor) => tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid'))(x));
    x.dispose();
    expect(runs()).toBe(before + 1);
  });
});

describe('training through a max pool on wasm', () => {
  const convPool = () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [12, 10, 3],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
        }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3 }),
      ],
    });

  it('matches cpu for every weight', () =>
    support.expectTrainingMatchesCpu(convPool, [3, 12, 10, 3], 4, log));

  it('leaks no tensors and no wasm memory', () =>
    support.expectTrainingLeaksNothing(
      () =>
        tf.sequential({
          layers: [
            tf.layers.conv2d({ inputShape: [32, 32, 16], filters: 16, kernelSize: 3 }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
          ],
        }),
      [8, 32, 32, 16],
    ));
});

describe('registerWasmMaxPoolGrad', () => {
  it('is a no-op when called again', () => {
    const first = tf.getKernel('MaxPoolGrad', 'wasm');
    registerWasmMaxPoolGrad();
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(first);
  });

  it('refuses a dy that does not fit the input with a sentence', async () => {
    await tf.setBackend('wasm');
    const [x, dy] = [tf.zeros([1, 4, 4, 2]), tf.zeros([1, 3, 3, 2])];
    expect(() =>
      tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: dy }, {
        filterSize: 2,
        strides: 2,
        pad: 'valid',
      } as unknown as tf.NamedAttrMap),
    ).toThrow(
      'MaxPoolGrad got dy of shape [1, 3, 3, 2], which does not fit the input [1, 4, 4, 2] pooled to [1, 2, 2, 2].',
    );
    tf.dispose([x, dy]);
  });
});
