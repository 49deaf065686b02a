import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmReluGrad } from './relu-grad.ts';
import { seededValues } from '../test-support/values.ts';

/** The values' bits, with every NaN written the same way (NaN payloads are not promised). */
const bits = (values: Float32Array): (number | 'NaN')[] =>
  Array.from(new Uint32Array(Float32Array.from(values).buffer), (b, i) =>
    Number.isNaN(values[i]) ? 'NaN' : b,
  );

/** x with zeros of both signs, infinities and NaNs among seeded values; dy of both signs. */
function inputs(n: number, seed: number): { x: Float32Array; dy: Float32Array } {
  const x = seededValues(n, seed);
  const dy = seededValues(n, seed + 1).map((v) => v * 3);
  const specials = [0, -0, Infinity, -Infinity, Number.NaN, 1e-45, -1e-45];
  for (let i = 0; i < n; i += 5) x[i] = specials[(i / 5) % specials.length] as number;
  if (n > 3) dy[3] = Infinity;
  return { x, dy };
}

/** d/dx of Σ relu(x)·dy on the current backend, through the registered gradient. */
const reluGradient = (x: Float32Array, dy: Float32Array, shape: number[]) =>
  tf.tidy(() => {
    const w = tf.tensor(dy, shape);
    return tf
      .grad((v) => tf.relu(v).mul(w).sum())(tf.tensor(x, shape))
      .dataSync() as Float32Array;
  });

/** The three kernels the stock gradient runs: dy · cast(step(x)). */
const stockGradient = (x: Float32Array, dy: Float32Array, shape: number[]) =>
  tf.tidy(
    () =>
      tf
        .mul(tf.tensor(dy, shape), tf.cast(tf.step(tf.tensor(x, shape)), 'float32'))
        .dataSync() as Float32Array,
  );

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmReluGrad();
});

describe('the ReLU gradient in one pass', () => {
  // Lengths with and without a remainder of four, and an activation of the reference model's
  // second layer.
  it.each([[[1]], [[7]], [[4, 9]], [[2, 5, 5, 3]], [[4, 32, 32, 16]]])(
    'gives the stock kernels’ bits on wasm: %j',
    async (shape) => {
      await tf.setBackend('wasm');
      const n = shape.reduce((a, b) => a * b, 1);
      const { x, dy } = inputs(n, n);
      expect(bits(reluGradient(x, dy, shape))).toEqual(bits(stockGradient(x, dy, shape)));
    },
  );

  it('leaves the gradient on other backends as it was, and matches them', async () => {
    const { x, dy } = inputs(99, 3);
    await tf.setBackend('cpu');
    const cpu = reluGradient(x, dy, [9, 11]);
    expect(bits(cpu)).toEqual(bits(stockGradient(x, dy, [9, 11])));
    await tf.setBackend('wasm');
    expect(bits(reluGradient(x, dy, [9, 11]))).toEqual(bits(cpu));
  });

  it('leaks no tensors and no wasm memory over many steps', async () => {
    await tf.setBackend('wasm');
    const { x, dy } = inputs(4 * 16 * 16 * 8, 5);
    reluGradient(x, dy, [4, 16, 16, 8]);
    const tensors = tf.memory().numTensors;
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const bytes = heap();
    for (let i = 0; i < 30; i++) reluGradient(x, dy, [4, 16, 16, 8]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap()).toBe(bytes);
  });

  it('is a no-op when registered again', () => {
    const first = tf.getKernel('MtsReluGrad', 'wasm');
    registerWasmReluGrad();
    expect(tf.getKernel('MtsReluGrad', 'wasm')).toBe(first);
  });
});
