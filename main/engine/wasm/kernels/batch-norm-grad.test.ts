import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, product, seededValues } from '../test-support/values.ts';
import {
  BATCH_NORM_GRAD,
  batchNormGradPasses,
  batchNormGradPlain,
  registerWasmBatchNormGrad,
  usePlainBatchNormGrad,
  wasmBatchNormGradIsSimd,
} from './batch-norm-grad.ts';

/** The kernel on wasm with seeded x, dy and parameters of x's last axis: dx, dScale, dOffset. */
function gradients(shape: number[], seed: number): Float32Array[] {
  const c = shape.at(-1) as number;
  return tf.tidy(() => {
    const t = (dims: number[], s: number, f: (v: number) => number) =>
      tf.tensor(seededValues(product(dims), s).map(f), dims);
    const x = t(shape, seed, (v) => 3 * v + 0.5);
    const { mean, variance } = tf.moments(x, [...Array(shape.length - 1).keys()]);
    const inputs = {
      x,
      dy: t(shape, seed + 1, (v) => v),
      mean,
      variance,
      scale: t([c], seed + 2, (v) => 1 + v / 2),
    };
    const outs = tf.engine().runKernel(BATCH_NORM_GRAD, inputs, {
      varianceEpsilon: 1e-3,
    }) as tf.Tensor[];
    return outs.map((o) => o.dataSync() as Float32Array);
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmBatchNormGrad();
});

afterEach(() => usePlainBatchNormGrad(false));

describe('the BatchNormalization gradient kernel on wasm', () => {
  it('follows the closed form in its JavaScript loop', () => {
    // Two rows of two channels: x̂ = ±1 per channel, so dx = a·(dy − mean dy − x̂·mean(dy·x̂)).
    const x = Float32Array.of(1, 10, 3, 14);
    const dy = Float32Array.of(1, 0.5, -2, 0.25);
    const mean = Float32Array.of(2, 12);
    const variance = Float32Array.of(1, 4);
    const scale = Float32Array.of(3, -1);
    const dx = new Float32Array(4);
    const { dScale, dOffset } = batchNormGradPlain(x, dy, mean, variance, scale, 0, dx);
    expect(Array.from(dOffset)).toEqual([-1, 0.75]);
    expect(Array.from(dScale)).toEqual([-3, -0.25]);
    // Channel 0: a = 3, mean dy = −0.5, mean(dy·x̂) = −1.5; channel 1: a = −0.5, 0.375, −0.125.
    const expected = [
      3 * (1 + 0.5 - 1.5),
      -0.5 * (0.5 - 0.375 - 0.125),
      3 * (-2 + 0.5 + 1.5),
      -0.5 * (0.25 - 0.375 + 0.125),
    ];
    expected.forEach((e, i) => expect(dx[i]).toBeCloseTo(e, 6));
  });

  it.each([
    [[4, 6, 6, 8]],
    [[3, 5, 5, 7]],
    [[2, 3, 3, 6]],
    [[1, 1, 1, 3]],
    [[7, 5]],
    [[5, 3]],
    [[32, 16, 16, 48]],
    [[64, 4096]],
  ])('x %j: the SIMD passes give the JavaScript loop’s values to 1e-5', (shape) => {
    usePlainBatchNormGrad(true);
    const plain = gradients(shape, 3);
    usePlainBatchNormGrad(false);
    const passes = batchNormGradPasses();
    const simd = gradients(shape, 3);
    expect(wasmBatchNormGradIsSimd()).toBe(true);
    const c = shape.at(-1) as number;
    const period = c % 4 === 0 ? c : c % 2 === 0 ? 2 * c : 4 * c;
    expect(batchNormGradPasses() - passes).toBe(product(shape) >= period ? 1 : 0);
    simd.forEach((s, i) =>
      expect(maxRelativeError(s, plain[i] as Float32Array)).toBeLessThan(1e-5),
    );
  });

  it('refuses inputs of the wrong shapes with a sentence', () => {
    expect(() =>
      tf.tidy(() =>
        tf.engine().runKernel(
          BATCH_NORM_GRAD,
          {
            x: tf.zeros([2, 3]),
            dy: tf.zeros([2, 3]),
            mean: tf.zeros([3]),
            variance: tf.zeros([3]),
            scale: tf.zeros([4]),
          },
          { varianceEpsilon: 1e-3 },
        ),
      ),
    ).toThrow(/scale \[4\]/);
  });
});
