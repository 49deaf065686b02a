import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEngineLoops } from '../parallel.ts';
import { maxRelativeError, product, seededValues } from '../test-support/values.ts';
import { batchNormPasses, registerWasmBatchNorm } from './batch-norm.ts';

interface Case {
  x: number[];
  /** Shapes of mean, variance, offset and scale; null leaves offset or scale out. */
  params: [number[], number[], number[] | null, number[] | null];
}

/** tf.batchNorm of seeded values on `backend` (variances positive, means off zero). */
async function normalized(backend: 'cpu' | 'wasm', c: Case, seed: number): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const t = (shape: number[], s: number, f: (v: number) => number) =>
      tf.tensor(seededValues(product(shape), s).map(f), shape);
    const [m, v, o, s] = c.params;
    const x = t(c.x, seed, (a) => 3 * a + 0.5);
    const mean = t(m, seed + 1, (a) => a + 0.5);
    const variance = t(v, seed + 2, (a) => 2 + a);
    const offset = o === null ? undefined : t(o, seed + 3, (a) => a);
    const scale = s === null ? undefined : t(s, seed + 4, (a) => 1.5 * a);
    return tf.batchNorm(x, mean, variance, offset, scale, 1e-3).dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmBatchNorm();
});

describe('FusedBatchNorm on wasm against the cpu backend', () => {
  it.each<Case>([
    { x: [2, 3, 5, 7], params: [[7], [7], [7], [7]] },
    { x: [3, 5], params: [[5], [5], null, null] },
    { x: [4, 6], params: [[6], [6], [6], null] },
    { x: [2, 3, 3, 6], params: [[1], [6], [3], [2]] },
    { x: [1, 1, 1, 3], params: [[3], [3], [3], [3]] },
    { x: [5, 4, 4, 48], params: [[48], [48], [48], [48]] },
    { x: [9], params: [[9], [9], [9], [9]] },
    // Same rank as x, cycling through a whole channel row.
    {
      x: [2, 3, 4, 5],
      params: [
        [1, 1, 4, 5],
        [1, 1, 4, 5],
        [1, 1, 4, 5],
        [1, 1, 4, 5],
      ],
    },
  ])('x $x, parameters $params', async (c) => {
    const expected = await normalized('cpu', c, 7);
    const actual = await normalized('wasm', c, 7);
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-5);
  });

  it('gives the JavaScript loop’s bits through the SIMD pass, which ran', async () => {
    await tf.setBackend('wasm');
    const before = batchNormPasses();
    const c: Case = { x: [3, 7, 5, 6], params: [[6], [6], [6], [6]] };
    const bits = async (loops: boolean) => {
      useEngineLoops(loops);
      try {
        return Array.from(new Uint32Array((await normalized('wasm', c, 3)).buffer));
      } finally {
        useEngineLoops(true);
      }
    };
    expect(await bits(true)).toEqual(await bits(false));
    expect(batchNormPasses()).toBeGreaterThan(before);
  });

  it('trains a BatchNormalization layer as cpu does', async () => {
    const gradients = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const layer = tf.layers.batchNormalization({ axis: -1 });
        const x = tf.tensor4d(seededValues(2 * 5 * 5 * 6, 11), [2, 5, 5, 6]);
        layer.build(x.shape);
        const w = tf.tensor4d(seededValues(2 * 5 * 5 * 6, 12), [2, 5, 5, 6]);
        const f = (input: tf.Tensor) =>
          (layer.apply(input, { training: true }) as tf.Tensor).mul(w).sum() as tf.Scalar;
        const { grads } = tf.variableGrads(() => f(x));
        const dx = tf.grad(f)(x);
        return [dx, ...Object.values(grads)].map((g) => g.dataSync() as Float32Array);
      });
    };
    const expected = await gradients('cpu');
    const actual = await gradients('wasm');
    expected.forEach((e, i) => expect(maxRelativeError(actual[i]!, e)).toBeLessThan(1e-5));
  });

  it('leaks no tensors and no wasm memory', async () => {
    await tf.setBackend('wasm');
    const c: Case = { x: [4, 8, 8, 12], params: [[12], [12], [12], [12]] };
    await normalized('wasm', c, 1);
    const tensors = tf.memory().numTensors;
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const bytes = heap();
    for (let i = 0; i < 20; i++) await normalized('wasm', c, 1);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap()).toBe(bytes);
  });

  it('is a no-op when registered again', () => {
    const first = tf.getKernel('FusedBatchNorm', 'wasm');
    registerWasmBatchNorm();
    expect(tf.getKernel('FusedBatchNorm', 'wasm')).toBe(first);
  });
});
