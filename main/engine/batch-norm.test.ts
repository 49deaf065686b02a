import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchNormalization } from './batch-norm.ts';
import { tf } from './tf.ts';
import {
  BATCH_NORM_GRAD,
  batchNormGradPasses,
  registerWasmBatchNormGrad,
} from './wasm/kernels/batch-norm-grad.ts';
import { maxRelativeError, product, seededValues } from './wasm/test-support/values.ts';

interface Step {
  /** The output, then the gradients of x, γ and β, then the moving mean and variance after. */
  readonly values: Float32Array[];
  /** Tensors left behind by the step. */
  readonly leaked: number;
}

/**
 * One training-mode step of a BatchNormalization layer on `backend`: seeded x, γ, β and moving
 * statistics, the loss Σ y · w with seeded w (so dy = w).
 */
async function step(backend: 'cpu' | 'wasm', shape: number[], seed: number): Promise<Step> {
  await tf.setBackend(backend);
  const c = shape.at(-1) as number;
  const seeded = (dims: number[], s: number, f: (v: number) => number) =>
    tf.tensor(seededValues(product(dims), s).map(f), dims);
  const layer = createBatchNormalization({ momentum: 0.9, epsilon: 1e-3 });
  const x = tf.variable(seeded(shape, seed, (v) => 3 * v + 0.5));
  const w = seeded(shape, seed + 1, (v) => v);
  layer.build(shape);
  layer.setWeights([
    seeded([c], seed + 2, (v) => 1 + v / 2),
    seeded([c], seed + 3, (v) => v),
    seeded([c], seed + 4, (v) => v / 4),
    seeded([c], seed + 5, (v) => 1 + v / 4),
  ]);
  const [gamma, beta] = layer.trainableWeights.map((v) => v.read() as tf.Variable) as [
    tf.Variable,
    tf.Variable,
  ];
  const before = tf.memory().numTensors;
  let y: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
    return tf.sum(tf.mul(y, w));
  }, [x, gamma, beta]);
  const outputs = [y as tf.Tensor, grads[x.name], grads[gamma.name], grads[beta.name]];
  const values = [
    ...outputs.map((t) => (t as tf.Tensor).dataSync() as Float32Array),
    ...layer
      .getWeights()
      .slice(2)
      .map((t) => t.dataSync() as Float32Array),
  ];
  tf.dispose([value, ...outputs]);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, w]);
  for (const v of layer.weights) v.dispose();
  return { values, leaked };
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmBatchNormGrad();
});

describe('BatchNormalization’s training step with the engine’s gradient kernel', () => {
  it.each([
    [[4, 6, 6, 8]],
    [[3, 5, 5, 7]],
    [[2, 1, 1, 3]],
    [[1, 3, 3, 5]],
    [[5, 10]],
    [[5, 3]],
    [[6, 2, 6]],
    [[16, 8, 8, 48]],
  ])('x %j gives the stock (cpu) output, gradients and moving statistics', async (shape) => {
    const passes = batchNormGradPasses();
    const expected = await step('cpu', shape, 11);
    const actual = await step('wasm', shape, 11);
    expect(tf.getKernel(BATCH_NORM_GRAD, 'cpu')).toBeUndefined();
    expect(actual.leaked).toBe(0);
    expect(expected.leaked).toBe(0);
    const errors = actual.values.map((a, i) =>
      maxRelativeError(a, expected.values[i] as Float32Array),
    );
    expect(Math.max(...errors)).toBeLessThan(1e-5);
    // The gradient ran on the SIMD passes wherever a whole period of lcm(4, C) values fits.
    const c = shape.at(-1) as number;
    const period = c % 4 === 0 ? c : c % 2 === 0 ? 2 * c : 4 * c;
    expect(batchNormGradPasses() - passes).toBe(product(shape) >= period ? 1 : 0);
  });

  it('leaves a frozen layer on its moving statistics', async () => {
    await tf.setBackend('wasm');
    const layer = createBatchNormalization({ trainable: false });
    const x = tf.variable(tf.tensor(seededValues(2 * 3 * 4, 5), [2, 3, 4]));
    const passes = batchNormGradPasses();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)),
      [x],
    );
    expect(batchNormGradPasses()).toBe(passes);
    expect(layer.getWeights()[2]?.dataSync()).toEqual(new Float32Array(4));
    tf.dispose([x, value, ...Object.values(grads)]);
    for (const v of layer.weights) v.dispose();
  });
});
