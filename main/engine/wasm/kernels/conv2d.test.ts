import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConv2D, useConv2DProduct } from './conv2d.ts';
import { registerWasmConv2DBackpropFilter } from './conv2d-backprop-filter.ts';
import { registerWasmConv2DBackpropInput } from './conv2d-backprop-input.ts';
import { engineLoopRecords } from '../parallel.ts';
import * as support from '../test-support/conv.ts';
import type { ConvCase } from '../test-support/conv.ts';

const log = new support.ErrorLog('Conv2D');

async function forward(backend: 'cpu' | 'wasm', c: ConvCase, seed: number): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(
      support.seededValues(support.product(support.xShape(c)), seed),
      support.xShape(c),
    );
    const w = tf.tensor4d(
      support.seededValues(support.product(support.filterShape(c)), seed + 1),
      support.filterShape(c),
    );
    return tf
      .conv2d(x, w, c.strides, c.pad, 'NHWC', 1, c.dimRoundingMode)
      .dataSync() as Float32Array;
  });
}

async function expectForwardMatchesCpu(c: ConvCase, seed: number): Promise<void> {
  if (support.product(support.outputShape(c)) === 0) return;
  const expected = await forward('cpu', c, seed);
  log.record('cpu', support.maxRelativeError(await forward('wasm', c, seed), expected), c);
}

const productRuns = () =>
  engineLoopRecords()
    .filter((r) => r.id.startsWith('gemm'))
    .reduce((sum, r) => sum + r.runs, 0);

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmConv2D();
  // Every shape through the product, not only those where it is faster.
  useConv2DProduct('always');
  registerWasmConv2DBackpropFilter();
  registerWasmConv2DBackpropInput();
});

afterAll(() => {
  useConv2DProduct('auto');
  console.info(log.summary());
});

describe('wasm Conv2D as the SIMD product against the cpu backend', () => {
  it.each(support.gridStridesAndPadding)('strides $strides, padding $pad', ({ strides, pad }) =>
    support.checkEach(support.gridCases(strides, pad), 1, expectForwardMatchesCpu),
  );

  it("handles explicit and numeric padding, rectangular kernels and the node's largest kernels and strides", () =>
    support.checkEach(
      [
        ...support.explicitPaddingCases,
        ...support.rectangularKernelCases([
          [1, 1],
          [3, 1],
          [2, 3],
          [4, 4],
        ]),
        // Strided 'round'/'ceil' cases stay on XNNPACK, which differs from cpu there by itself.
        ...support
          .numericPaddingCases(['floor', 'round', 'ceil'])
          .filter((c) => c.strides[0] === 1 || c.dimRoundingMode === 'floor'),
        ...support.nodeLimitCases,
        support.referenceModelConvCase,
      ],
      1000,
      expectForwardMatchesCpu,
    ));

  it('runs the product at any stride and leaves dilations to XNNPACK', async () => {
    const c = support.referenceModelConvCase;
    for (const strides of [
      [1, 1],
      [2, 2],
    ] as [number, number][]) {
      const before = productRuns();
      await expectForwardMatchesCpu({ ...c, strides }, 5);
      expect(productRuns()).toBeGreaterThan(before);
    }
    const before = productRuns();
    await tf.setBackend('wasm');
    tf.tidy(() =>
      tf.conv2d(
        tf.ones<tf.Rank.R4>([1, 9, 9, 2]),
        tf.ones<tf.Rank.R4>([3, 3, 2, 4]),
        1,
        'same',
        'NHWC',
        2,
      ),
    );
    expect(productRuns()).toBe(before);
  });

  it('takes the product only where it measured faster than XNNPACK', async () => {
    useConv2DProduct('auto');
    try {
      const runs = async (x: support.Shape4, cOut: number, stride: number) => {
        const before = productRuns();
        const c = support.caseFromShapes(x, [3, 3, x[3], cOut], [stride, stride], 'same');
        await expectForwardMatchesCpu(c, 7);
        return productRuns() > before;
      };
      expect(await runs([2, 32, 32, 16], 16, 1)).toBe(true);
      // A padded 16×16 grid is 27 % larger than the image; three channels make a short sum.
      expect(await runs([2, 16, 16, 16], 16, 1)).toBe(false);
      expect(await runs([2, 32, 32, 3], 16, 1)).toBe(false);
      expect(await runs([2, 32, 32, 32], 16, 2)).toBe(true);
      expect(await runs([2, 32, 32, 16], 32, 2)).toBe(false);
    } finally {
      useConv2DProduct('always');
    }
  });

  it('agrees with the stock XNNPACK kernel', async () => {
    for (const strides of [
      [1, 1],
      [2, 2],
    ] as [number, number][]) {
      const c = support.caseFromShapes([3, 12, 13, 8], [3, 3, 8, 12], strides, 'same');
      const ours = await forward('wasm', c, 40);
      useConv2DProduct('off');
      const stock = await forward('wasm', c, 40);
      useConv2DProduct('always');
      expect(support.maxRelativeError(ours, Float64Array.from(stock))).toBeLessThan(1e-5);
    }
  });

  it('gives gradients that match cpu through both backprop kernels', async () => {
    for (const [i, c] of [
      support.caseFromShapes([2, 9, 8, 3], [3, 3, 3, 5], [1, 1], 'same'),
      support.caseFromShapes([2, 9, 8, 3], [3, 3, 3, 5], [2, 2], 'same'),
      support.caseFromShapes([2, 9, 8, 4], [1, 1, 4, 6], [1, 1], 'valid'),
    ].entries()) {
      for (const wrt of ['x', 'filter'] as const)
        await support.expectWasmMatchesCpu(wrt, c, 100 + 10 * i, log);
    }
  });

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
            tf.layers.conv2d({ filters: 16, kernelSize: 1 }),
            tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2 }),
          ],
        }),
      [8, 15, 15, 8],
    ));
});
