import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmBatchMatMul } from './batch-matmul.ts';
import { engineLoopRecords } from '../parallel.ts';
import { maxRelativeError, product, seededValues } from '../test-support/values.ts';

const TOLERANCE = 1e-5;
/** Largest relative error seen against the cpu backend, and how many values were compared. */
let worst = 0;
let compared = 0;

function record(actual: ArrayLike<number>, expected: ArrayLike<number>, what: unknown): void {
  const error = maxRelativeError(actual, expected);
  worst = Math.max(worst, error);
  compared += expected.length;
  expect(error, JSON.stringify(what)).toBeLessThan(TOLERANCE);
}

interface MatMulCase {
  /** Stored shapes, as passed to tf.matMul. */
  a: number[];
  b: number[];
}

async function matMulOn(
  backend: 'cpu' | 'wasm',
  c: MatMulCase,
  transposeA: boolean,
  transposeB: boolean,
  seed: number,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const a = tf.tensor(seededValues(product(c.a), seed), c.a);
    const b = tf.tensor(seededValues(product(c.b), seed + 1), c.b);
    const out = tf.matMul(a, b, transposeA, transposeB);
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
}

/** The stored shape of an operand whose logical matrix is rows × cols. */
const stored = (batch: number[], rows: number, cols: number, transposed: boolean): number[] =>
  transposed ? [...batch, cols, rows] : [...batch, rows, cols];

const FLAGS = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

function wasmHeapBytes(): number {
  const backend = tf.findBackend('wasm') as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.length;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmBatchMatMul();
});

afterAll(() => {
  console.info(
    `wasm BatchMatMul: largest relative error ${worst} against cpu (${compared} values compared)`,
  );
});

describe('wasm BatchMatMul against the cpu backend', () => {
  // Logical sizes M × K · K × N, odd. With transposeB set, the wide N with a small M (like
  // dY·Wᵀ) takes the layout that transposes the unflagged operand and the result, and so does
  // 37 × 45 · 45 × 29 with both flags; the other flagged products transpose the flagged
  // operands, and 3 × 5 · 5 × 7 is small enough to stay on the stock loop.
  const sizes = [
    { m: 37, k: 45, n: 29 },
    { m: 5, k: 33, n: 301 },
    { m: 301, k: 7, n: 17 },
    { m: 3, k: 5, n: 7 },
  ];
  // Leading dims of a and b: single matrices of rank 2 and 3 (what the Dense gradients pass),
  // mixed ranks, batches, and batches broadcast against one matrix.
  const batches: [number[], number[]][] = [
    [[], []],
    [[1], [1]],
    [[], [1]],
    [[1], []],
    [[3], [3]],
    [[3], [1]],
    [[], [2]],
    [
      [2, 3],
      [2, 3],
    ],
  ];

  it.each(FLAGS)('transposeA %s, transposeB %s', async (transposeA, transposeB) => {
    let seed = 1;
    for (const [batchA, batchB] of batches)
      for (const { m, k, n } of sizes) {
        const c = { a: stored(batchA, m, k, transposeA), b: stored(batchB, k, n, transposeB) };
        const expected = await matMulOn('cpu', c, transposeA, transposeB, (seed += 2));
        const actual = await matMulOn('wasm', c, transposeA, transposeB, seed);
        expect(actual.shape, JSON.stringify(c)).toEqual(expected.shape);
        record(actual.values, expected.values, { ...c, transposeA, transposeB });
      }
  });

  it('keeps the stock error for mismatched inner sizes', async () => {
    await tf.setBackend('wasm');
    const a = tf.zeros([40, 50]);
    const b = tf.zeros([60, 70]);
    expect(() => tf.matMul(a, b, true, false)).toThrow(/inner shapes \(40\) and \(60\)/);
    tf.dispose([a, b]);
  });
});

describe('wasm BatchMatMul with a flag set and a million multiply-adds (the SIMD product)', () => {
  // A weight gradient Xᵀ·dY (many rows, a short sum: panels of rows), an input gradient dY·Wᵀ
  // (run as (W·dYᵀ)ᵀ), and both flags; odd sizes, so every panel, tile and share has a rest.
  const cases = [
    { a: [37, 301], b: [37, 97], transposeA: true, transposeB: false },
    { a: [1, 37, 301], b: [1, 37, 97], transposeA: true, transposeB: false },
    { a: [19, 45], b: [1301, 45], transposeA: false, transposeB: true },
    { a: [1, 19, 45], b: [1301, 45], transposeA: false, transposeB: true },
    { a: [129, 33], b: [257, 129], transposeA: true, transposeB: true },
  ];
  const gemmRuns = () =>
    engineLoopRecords()
      .filter((r) => r.id.startsWith('gemm'))
      .reduce((sum, r) => sum + r.runs, 0);

  it.each(cases)('$a · $b (transposeA $transposeA, transposeB $transposeB)', async (c) => {
    const expected = await matMulOn('cpu', c, c.transposeA, c.transposeB, 11);
    const before = gemmRuns();
    const actual = await matMulOn('wasm', c, c.transposeA, c.transposeB, 11);
    expect(gemmRuns()).toBeGreaterThan(before);
    expect(actual.shape).toEqual(expected.shape);
    record(actual.values, expected.values, c);
  });

  it('leaves a product of fewer multiply-adds, under 8 columns or no side of 64 or less to the stock kernel', async () => {
    for (const c of [
      { a: [37, 101], b: [37, 97], transposeA: true, transposeB: false },
      { a: [96, 120], b: [96, 100], transposeA: true, transposeB: false },
      { a: [7, 450], b: [1301, 450], transposeA: false, transposeB: true },
    ]) {
      const expected = await matMulOn('cpu', c, c.transposeA, c.transposeB, 13);
      const before = gemmRuns();
      const actual = await matMulOn('wasm', c, c.transposeA, c.transposeB, 13);
      expect(gemmRuns()).toBe(before);
      record(actual.values, expected.values, c);
    }
  });

  it('leaks no tensors, no backend data and no wasm memory', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(seededValues(32 * 2048, 1), [32, 2048]);
    const w = tf.tensor(seededValues(2048 * 64, 2), [2048, 64]);
    const dy = tf.tensor(seededValues(32 * 64, 3), [32, 64]);
    const step = () =>
      tf.tidy(() => {
        tf.matMul(x, dy, true, false).dataSync();
        tf.matMul(dy, w, false, true).dataSync();
      });
    step();
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    const heap = wasmHeapBytes();
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    expect(wasmHeapBytes()).toBe(heap);
    tf.dispose([x, w, dy]);
  });
});

describe('training Dense layers on wasm', () => {
  const inputShape = [12, 257];
  const input = seededValues(product(inputShape), 21);
  const target = seededValues(12 * 40, 22);

  /** relu and tanh Dense run unfused (rank-2 products), the linear one fused (rank 3). */
  function denseModel(): tf.Sequential {
    return tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [257], units: 64, activation: 'relu' }),
        tf.layers.dense({ units: 48, activation: 'tanh' }),
        tf.layers.dense({ units: 40 }),
      ],
    });
  }

  async function allGradients(backend: 'cpu' | 'wasm'): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const model = denseModel();
    try {
      // Scaled like a Glorot initialisation, so activations stay O(1) and float32 rounding in
      // the other ops stays far below the tolerance.
      tf.tidy(() =>
        model.setWeights(
          model
            .getWeights()
            .map((w, i) =>
              tf.tensor(seededValues(w.size, 30 + i), w.shape).mul(1 / Math.sqrt(w.shape[0] ?? 1)),
            ),
        ),
      );
      return tf.tidy(() => {
        const x = tf.tensor2d(input, [12, 257]);
        const y = tf.tensor2d(target, [12, 40]);
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(
          () => (model.apply(x) as tf.Tensor).sub(y).square().mean() as tf.Scalar,
          variables,
        );
        return variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
      });
    } finally {
      model.dispose();
    }
  }

  it('matches cpu for every kernel and bias', async () => {
    const expected = await allGradients('cpu');
    const actual = await allGradients('wasm');
    expect(actual).toHaveLength(6);
    actual.forEach((a, i) => record(a, expected[i] ?? [], { weight: i }));
  });

  it('leaks no tensors, no backend data and no wasm memory', async () => {
    await tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [1024], units: 96, activation: 'relu' }),
        tf.layers.dense({ units: 24 }),
      ],
    });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const x = tf.randomUniform([32, 1024]);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => (model.apply(x) as tf.Tensor).square().mean() as tf.Scalar,
          variables,
        );
        value.dataSync();
        Object.values(grads).forEach((g) => g.dataSync());
      });
    step(); // lets the heap reach its working size
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    const heap = wasmHeapBytes();
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    // Each step transposes 32 × 1024 inputs and 96 × 24 weights and packs fresh weights for
    // XNNPACK, so a leaked temporary or operator would have had to grow the heap.
    expect(wasmHeapBytes()).toBe(heap);
    model.dispose();
    x.dispose();
  });
});

describe('registerWasmBatchMatMul', () => {
  it('is a no-op when called again', async () => {
    const first = tf.getKernel('BatchMatMul', 'wasm');
    expect(first).toBeDefined();
    expect(() => registerWasmBatchMatMul()).not.toThrow();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(first);
    // Still one layer deep: a second wrap would have kept itself as the stock kernel.
    const c = { a: [45, 37], b: [29, 45] };
    const expected = await matMulOn('cpu', c, true, true, 5);
    const actual = await matMulOn('wasm', c, true, true, 5);
    record(actual.values, expected.values, c);
  });

  it("keeps the stock kernel's setup, so reselecting the backend still works", async () => {
    expect(tf.getKernel('BatchMatMul', 'wasm')?.setupFunc).toBeDefined();
    await tf.setBackend('cpu');
    const c = { a: [64, 33], b: [47, 64] };
    const expected = await matMulOn('cpu', c, true, true, 9);
    const actual = await matMulOn('wasm', c, true, true, 9);
    record(actual.values, expected.values, c);
  });
});
