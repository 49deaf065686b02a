import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConv2DBackpropFilter } from './conv2d-backprop-filter.ts';
import { registerWasmConv2DBackpropInput } from './conv2d-backprop-input.ts';
import { useConv2DProduct } from './conv2d.ts';
import { engineLoopRecords } from '../parallel.ts';
import * as support from '../test-support/conv.ts';
import type { ConvCase } from '../test-support/conv.ts';

const log = new support.ErrorLog('Conv2DBackpropInput');

const expectInputGradientMatchesCpu = (c: ConvCase, seed: number) =>
  support.expectWasmMatchesCpu('x', c, seed, log);

/**
 * dX[b, y·sh + i − top, x·sw + j − left, ci] += dY[b, y, x, co] · W[i, j, ci, co] in float64, with
 * dy's own size saying how many windows there were.
 */
function referenceInputGradient(c: ConvCase, dy: Float32Array, w: Float32Array): Float64Array {
  const { inChannels: ci, outChannels: co } = c;
  const dx = new Float64Array(support.product(support.xShape(c)));
  support.forEachTap(c, ({ xOffset, filterOffset, dyOffset }) => {
    for (let a = 0; a < ci; a++) {
      let sum = 0;
      for (let o = 0; o < co; o++) {
        const g = dy[dyOffset + o] ?? Number.NaN;
        sum += g * (w[filterOffset + a * co + o] ?? Number.NaN);
      }
      const k = xOffset + a;
      dx[k] = (dx[k] ?? 0) + sum;
    }
  });
  return dx;
}

/** Runs the registered wasm kernel directly, with dy the size the forward conv gives. */
async function expectKernelMatchesReference(c: ConvCase, seed: number): Promise<void> {
  const [dyShape, wShape] = [support.outputShape(c), support.filterShape(c)];
  const dy = support.seededValues(support.product(dyShape), seed);
  const w = support.seededValues(support.product(wShape), seed + 1);
  const actual = await support.runWasmBackprop(
    'Conv2DBackpropInput',
    c,
    () => ({ dy: tf.tensor(dy, dyShape), filter: tf.tensor4d(w, wShape) }),
    { inputShape: support.xShape(c) },
  );
  log.record('float64', support.maxRelativeError(actual, referenceInputGradient(c, dy, w)), c);
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmConv2DBackpropFilter();
  registerWasmConv2DBackpropInput();
});

afterAll(() => {
  console.info(log.summary());
});

describe('wasm Conv2DBackpropInput against the cpu backend', () => {
  it.each(support.gridStridesAndPadding)('strides $strides, padding $pad', ({ strides, pad }) =>
    support.checkEach(support.gridCases(strides, pad), 1, expectInputGradientMatchesCpu),
  );

  // Explicit pads beyond the kernel, pads that are not a multiple of the stride, windows that
  // end in the padding, rectangular kernels and strides that skip the last rows of x.
  const edgeCases: ConvCase[] = [
    ...support.explicitPaddingCases,
    ...support.rectangularKernelCases([
      [3, 1],
      [2, 3],
      [4, 4],
    ]),
    ...support.numericPaddingCases(['floor'], 8),
  ];

  it('handles explicit and numeric padding and rectangular kernels and strides', () =>
    support.checkEach(edgeCases, 1000, expectInputGradientMatchesCpu));

  // tfjs's Conv2D gradient drops dimRoundingMode, so compare a 'ceil'/'round' forward conv's
  // extra windows against a float64 reference through the kernel directly.
  it.each(['round', 'ceil'] as const)(
    "follows dy's size for numeric padding rounded with '%s'",
    (mode) =>
      support.checkEach(support.numericPaddingCases([mode]), 2000, expectKernelMatchesReference),
  );

  it("covers the Conv2D node's largest kernels (11) and strides (4)", () =>
    support.checkEach(support.nodeLimitCases, 3000, expectInputGradientMatchesCpu));

  it('handles the reference model conv shape at a small batch', () =>
    expectKernelMatchesReference(support.referenceModelConvCase, 7));

  it('runs a strided gradient as the per-phase products, as close to cpu as the Conv2D path', async () => {
    const products = () =>
      engineLoopRecords()
        .filter((r) => r.id.startsWith('gemm'))
        .reduce((sum, r) => sum + r.runs, 0);
    const c = support.caseFromShapes([3, 24, 23, 16], [3, 3, 16, 32], [2, 2], 'same');
    const expected = await support.convLossGradient('cpu', 'x', c, 70);
    const before = products();
    const phased = await support.convLossGradient('wasm', 'x', c, 70);
    // One product per phase.
    expect(products() - before).toBe(4);
    useConv2DProduct('off');
    const subPixel = await support.convLossGradient('wasm', 'x', c, 70);
    useConv2DProduct('auto');
    log.record('cpu', support.maxRelativeError(phased, expected), c);
    log.record('cpu', support.maxRelativeError(subPixel, expected), c);
  });
});

describe('training stacked tf.layers.conv2d on wasm', () => {
  /** conv → conv; only the second conv's input gradient reaches Conv2DBackpropInput. */
  const twoConvs = (second: support.TrainingConfig) => () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [11, 10, 3],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        tf.layers.conv2d({ filters: 5, kernelSize: 3, activation: 'tanh', ...second }),
      ],
    });

  it.each(support.trainingConfigs)(
    'matches cpu for every kernel and bias (second conv strides $strides, $padding)',
    (second) => support.expectTrainingMatchesCpu(twoConvs(second), [3, 11, 10, 3], 4, log),
  );

  // Stride 1 'same' and stride 2 'valid' on 15 columns, so both the plain path and the
  // interleave-and-slice path run every step. Each step allocates dy-sized temporaries (~0.1 MB)
  // and packs a new filter, so a leak over 20 steps would have had to grow the heap.
  it('leaks no tensors and no wasm memory', () =>
    support.expectTrainingLeaksNothing(
      () =>
        tf.sequential({
          layers: [
            tf.layers.conv2d({
              inputShape: [15, 15, 8],
              filters: 16,
              kernelSize: 3,
              padding: 'same',
            }),
            tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same' }),
            tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2 }),
          ],
        }),
      [8, 15, 15, 8],
    ));
});

describe('registerWasmConv2DBackpropInput', () => {
  it('is a no-op when called again', () =>
    support.expectRegistrationIsIdempotent('Conv2DBackpropInput', registerWasmConv2DBackpropInput));

  it('refuses NCHW with a sentence naming the format', () =>
    support.expectRefusesNchw(
      'Conv2DBackpropInput',
      { dy: [1, 2, 5, 5], filter: [3, 3, 3, 2] },
      { inputShape: [1, 3, 5, 5] },
    ));

  it('gives a zero gradient for an empty batch', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([0, 4, 4, 2]);
    const filter = tf.ones([3, 3, 3, 2]);
    const dx = tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy, filter },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [0, 4, 4, 3] },
      ) as tf.Tensor;
    expect(dx.shape).toEqual([0, 4, 4, 3]);
    tf.dispose([dy, filter, dx]);
  });
});
