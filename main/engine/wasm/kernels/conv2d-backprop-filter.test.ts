import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConv2DBackpropFilter } from './conv2d-backprop-filter.ts';
import * as support from '../test-support/conv.ts';
import type { ConvCase } from '../test-support/conv.ts';

const log = new support.ErrorLog('Conv2DBackpropFilter');

const expectFilterGradientMatchesCpu = (c: ConvCase, seed: number) =>
  support.expectWasmMatchesCpu('filter', c, seed, log);

/**
 * dW[i, j, ci, co] = sum over b, y, x of X[b, y*sh + i - top, x*sw + j - left, ci] * dY[b, y, x, co]
 * in float64, with dy's own size deciding how far the windows reach (see the 'ceil' test).
 */
function referenceFilterGradient(c: ConvCase, x: Float32Array, dy: Float32Array): Float64Array {
  const { inChannels: ci, outChannels: co } = c;
  const dW = new Float64Array(support.product(support.filterShape(c)));
  support.forEachTap(c, ({ xOffset, filterOffset, dyOffset }) => {
    for (let a = 0; a < ci; a++) {
      const xv = x[xOffset + a] ?? Number.NaN;
      for (let o = 0; o < co; o++) {
        const g = dy[dyOffset + o] ?? Number.NaN;
        const k = filterOffset + a * co + o;
        dW[k] = (dW[k] ?? 0) + xv * g;
      }
    }
  });
  return dW;
}

/** Runs the registered wasm kernel directly, with dy the size the forward conv gives. */
async function expectKernelMatchesReference(c: ConvCase, seed: number): Promise<void> {
  const [xShape, dyShape] = [support.xShape(c), support.outputShape(c)];
  const x = support.seededValues(support.product(xShape), seed);
  const dy = support.seededValues(support.product(dyShape), seed + 1);
  const actual = await support.runWasmBackprop(
    'Conv2DBackpropFilter',
    c,
    () => ({ x: tf.tensor4d(x, xShape), dy: tf.tensor(dy, dyShape) }),
    { filterShape: support.filterShape(c) },
  );
  log.record('float64', support.maxRelativeError(actual, referenceFilterGradient(c, x, dy)), c);
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmConv2DBackpropFilter();
});

afterAll(() => {
  console.info(log.summary());
});

describe('wasm Conv2DBackpropFilter against the cpu backend', () => {
  it.each(support.gridStridesAndPadding)('strides $strides, padding $pad', ({ strides, pad }) =>
    support.checkEach(support.gridCases(strides, pad), 1, expectFilterGradientMatchesCpu),
  );

  // Explicit and numeric padding and the rounding modes move the bottom/right edge of the last
  // window away from the forward conv's padding: beyond it ('ceil'), or short of the input's
  // last rows (negative padding needed, which the kernel slices off instead).
  const edgeCases: ConvCase[] = [
    ...support.explicitPaddingCases,
    ...support.numericPaddingCases(['floor', undefined]),
    ...support.rectangularKernelCases([
      [3, 1],
      [2, 3],
    ]),
  ];

  it('handles explicit and numeric padding, rounding modes and rectangular kernels', () =>
    support.checkEach(edgeCases, 1000, expectFilterGradientMatchesCpu));

  // tfjs's Conv2D gradient drops dimRoundingMode, so the cpu kernel sizes the windows with 'floor'
  // and ignores the extra row and column a 'ceil' or 'round' forward conv produced; compare those
  // with a float64 reference of the forward conv's own windows instead.
  it.each(['round', 'ceil'] as const)(
    "follows dy's size for numeric padding rounded with '%s'",
    (mode) =>
      support.checkEach(support.numericPaddingCases([mode]), 2000, expectKernelMatchesReference),
  );

  it("covers the Conv2D node's largest kernels (11) and strides (4)", () =>
    support.checkEach(support.nodeLimitCases, 3000, expectFilterGradientMatchesCpu));

  it('handles the seed model conv shapes at a small batch', () =>
    expectKernelMatchesReference(support.referenceModelConvCase, 7));
});

describe('training a tf.layers.conv2d on wasm', () => {
  const oneConv = (config: support.TrainingConfig) => () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [9, 8, 3],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
          ...config,
        }),
      ],
    });

  it.each(support.trainingConfigs)(
    'matches cpu for kernel and bias (strides $strides, $padding)',
    (config) => support.expectTrainingMatchesCpu(oneConv(config), [3, 9, 8, 3], 2, log),
  );

  // The dY operand is ~0.5 MB per call (and the conv caches packed weights per filter), so a
  // leak over 20 calls would have had to grow the heap.
  it('leaks no tensors and no wasm memory', () =>
    support.expectTrainingLeaksNothing(
      () =>
        tf.sequential({
          layers: [tf.layers.conv2d({ inputShape: [32, 32, 16], filters: 16, kernelSize: 3 })],
        }),
      [8, 32, 32, 16],
    ));
});

describe('registerWasmConv2DBackpropFilter', () => {
  it('is a no-op when called again', () =>
    support.expectRegistrationIsIdempotent(
      'Conv2DBackpropFilter',
      registerWasmConv2DBackpropFilter,
    ));

  it('refuses NCHW with a sentence naming the format', () =>
    support.expectRefusesNchw(
      'Conv2DBackpropFilter',
      { x: [1, 3, 5, 5], dy: [1, 2, 5, 5] },
      { filterShape: [3, 3, 3, 2] },
    ));

  it('gives a zero gradient for an empty batch', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([0, 4, 4, 3]);
    const dy = tf.zeros([0, 4, 4, 2]);
    const dW = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 2] },
      ) as tf.Tensor;
    expect(dW.shape).toEqual([3, 3, 3, 2]);
    expect(Array.from(dW.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, dy, dW]);
  });
});
