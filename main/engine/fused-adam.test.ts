import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adamUpdate, FusedAdamOptimizer, usePlainAdamLoop, wasmAdamIsSimd } from './fused-adam.ts';
import { maxRelativeError, seededValues } from './wasm/test-support/values.ts';

const SHAPES = [[5], [3, 4], [3, 3, 2, 8], [1000, 7]];

/** Steps an optimizer on variables of SHAPES with seeded gradients; the learning rate changes. */
function run(
  optimizer: tf.Optimizer,
  prefix: string,
  steps: number,
  from = 0,
  variables = SHAPES.map((shape, k) =>
    tf.variable(tf.tensor(seededValues(size(shape), 10 + k), shape), true, `${prefix}${k}`),
  ),
): tf.Variable[] {
  for (let step = from; step < from + steps; step++) {
    (optimizer as unknown as { learningRate: number }).learningRate = step < 3 ? 0.01 : 0.002;
    const grads: tf.NamedTensorMap = {};
    SHAPES.forEach((shape, k) => {
      grads[`${prefix}${k}`] = tf.tensor(seededValues(size(shape), 100 * step + k), shape);
    });
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  return variables;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const values = (vs: tf.Variable[]) => vs.map((v) => v.dataSync() as Float32Array);
const worst = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(...a.map((x, i) => maxRelativeError(x, b[i] as Float32Array)));

/** The wasm heap's size: it grows when a step leaves allocations behind. */
const heapBytes = () =>
  (tf.findBackend('wasm') as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
const prefixOf = (vs: tf.Variable[]) => (vs[0] as tf.Variable).name.replace(/0$/, '');

let id = 0;
const fresh = () => `fused-adam-${id++}-`;
const adam = (Optimizer: typeof tf.AdamOptimizer) => new Optimizer(0.01, 0.9, 0.999, 1e-7);

describe('Adam in one pass per variable', () => {
  it('follows the formula, in float64 per element', () => {
    const w = Float32Array.of(1, -2, 0.5);
    const m = Float32Array.of(0.1, 0, -0.2);
    const v = Float32Array.of(0.01, 0, 0.04);
    const g = Float32Array.of(0.3, -1, 0);
    const out = [0, 1, 2].map(() => new Float32Array(3)) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const s = { rate: 0.1, beta1: 0.9, beta2: 0.99, epsilon: 1e-7 };
    adamUpdate(w, m, v, g, ...out, { ...s, correction1: 1 - 0.9 ** 3, correction2: 1 - 0.99 ** 3 });
    for (let i = 0; i < 3; i++) {
      const mi = 0.9 * (m[i] as number) + 0.1 * (g[i] as number);
      const vi = 0.99 * (v[i] as number) + 0.01 * (g[i] as number) ** 2;
      const mh = mi / (1 - 0.9 ** 3);
      const vh = vi / (1 - 0.99 ** 3);
      expect(out[1][i]).toBeCloseTo(mi, 7);
      expect(out[2][i]).toBeCloseTo(vi, 7);
      expect(out[0][i]).toBeCloseTo((w[i] as number) - (0.1 * mh) / (Math.sqrt(vh) + 1e-7), 6);
    }
  });

  it.each(['cpu', 'wasm'])(
    'gives the stock optimizer’s weights and moments on %s, keeps its state and leaks nothing',
    async (backend) => {
      await tf.setBackend(backend);
      const stock = adam(tf.AdamOptimizer);
      const fused = adam(FusedAdamOptimizer);
      const expected = run(stock, fresh(), 6);
      const actual = run(fused, fresh(), 6);
      // Six steps: the weights, and the moments in the stock optimizer's form and names.
      const error = worst(values(actual), values(expected));
      console.info(`Fused Adam vs stock on ${backend}: largest relative error ${error}`);
      expect(error).toBeLessThan(1e-5);
      const [stockState, fusedState] = [await stock.getWeights(), await fused.getWeights()];
      expect(fusedState.map((w) => w.name.replace(/^fused-adam-\d+-/, ''))).toEqual(
        stockState.map((w) => w.name.replace(/^fused-adam-\d+-/, '')),
      );
      expect(
        worst(
          fusedState.map((w) => w.tensor.dataSync() as Float32Array),
          stockState.map((w) => w.tensor.dataSync() as Float32Array),
        ),
      ).toBeLessThan(1e-5);
      // More steps on the same variables: no tensor and no wasm memory more.
      tf.dispose(
        [...stockState, ...fusedState].filter((w) => w.name === 'iter').map((w) => w.tensor),
      );
      const steady = tf.memory().numTensors;
      const heap = backend === 'wasm' ? heapBytes() : 0;
      run(fused, prefixOf(actual), 4, 6, actual);
      expect(tf.memory().numTensors).toBe(steady);
      if (backend === 'wasm') expect(heapBytes()).toBe(heap);
      tf.dispose([...expected, ...actual]);
      stock.dispose();
      fused.dispose();
    },
  );

  it('resumes from its saved state to the same weights as without a pause', async () => {
    await tf.setBackend('wasm');
    const prefix = fresh();
    const once = adam(FusedAdamOptimizer);
    const straight = values(run(once, prefix, 5));

    const prefix2 = fresh();
    const first = adam(FusedAdamOptimizer);
    const vars = run(first, prefix2, 2);
    const saved = await first.getWeights();
    const second = adam(FusedAdamOptimizer);
    await second.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
    const resumed = values(run(second, prefix2, 3, 2, vars));
    expect(worst(resumed, straight)).toBe(0);
  });

  it('spreads a NaN gradient as the stock optimizer does', async () => {
    await tf.setBackend('wasm');
    const name = fresh();
    const w = tf.variable(tf.tensor([1, 2]), true, name);
    const fused = adam(FusedAdamOptimizer);
    const g = tf.tensor([Number.NaN, 1]);
    fused.applyGradients([{ name, tensor: g }]);
    const [a, b] = w.dataSync();
    expect(a).toBeNaN();
    expect(b).toBeLessThan(2);
    tf.dispose([w, g]);
    fused.dispose();
  });

  it('runs four weights at a time in WebAssembly SIMD, with the bits of a float32 step', async () => {
    await tf.setBackend('wasm');
    expect(wasmAdamIsSimd()).toBe(true);
    // Sizes with every remainder mod 4, so the JavaScript tail is exercised too.
    const shapes = [[1], [2], [3], [4], [5], [7, 9], [1000, 13]];
    const results = [true, false].map((plain) => {
      usePlainAdamLoop(plain);
      try {
        const optimizer = adam(FusedAdamOptimizer);
        const prefix = fresh();
        const vars = shapes.map((shape, k) =>
          tf.variable(tf.tensor(seededValues(size(shape), 40 + k), shape), true, `${prefix}${k}`),
        );
        for (let step = 0; step < 5; step++) {
          const grads = shapes.map((shape, k) => ({
            name: `${prefix}${k}`,
            tensor: tf.tensor(seededValues(size(shape), 500 + 10 * step + k), shape),
          }));
          optimizer.applyGradients(grads);
          tf.dispose(grads.map((g) => g.tensor));
        }
        const out = values(vars);
        tf.dispose(vars);
        optimizer.dispose();
        return out;
      } finally {
        usePlainAdamLoop(false);
      }
    });
    const [plain, simd] = results as [Float32Array[], Float32Array[]];
    const error = worst(simd, plain);
    console.info(`SIMD Adam vs the float64 loop over 5 steps: largest relative error ${error}`);
    expect(error).toBeLessThan(1e-5);
    // Bit for bit against the documented float32 formula, lanes (the first 4) and tail alike.
    const name = fresh();
    const w0 = Float32Array.of(0.5, -1.25, 2, 0.125, -3);
    const g0 = Float32Array.of(0.3, -0.7, 1e-3, 4, -0.05);
    const w = tf.variable(tf.tensor(w0), true, name);
    const g = tf.tensor(g0);
    const optimizer = adam(FusedAdamOptimizer);
    optimizer.applyGradients([{ name, tensor: g }]);
    const f = Math.fround;
    const [b1, k1, b2, k2] = [f(0.9), f(1 - 0.9), f(0.999), f(1 - 0.999)];
    const [step, u2, eps] = [f(0.01 / (1 - 0.9)), f(1 / (1 - 0.999)), f(1e-7)];
    const expected = Array.from(w0, (wi, i) => {
      const gi = g0[i] as number;
      const mi = f(f(b1 * 0) + f(k1 * gi));
      const vi = f(f(b2 * 0) + f(f(k2 * gi) * gi));
      return f(wi - f(f(step * mi) / f(f(Math.sqrt(f(vi * u2))) + eps)));
    });
    expect(Array.from(w.dataSync())).toEqual(expected);
    tf.dispose([w, g]);
    optimizer.dispose();
  });
});
