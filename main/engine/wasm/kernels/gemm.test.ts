import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmBatchMatMul } from './batch-matmul.ts';
import { engineLoopRecords, useEngineLoops } from '../parallel.ts';
import { backendMemory, relaxedSimd, type WasmMemory } from '../emit.ts';
import {
  gemmModuleBytes,
  panelRows,
  runGemm,
  runMatMul,
  sumBlock,
  useGemmFma,
  type GemmCall,
} from './gemm.ts';
import type { HeapBackend } from './kernel-helpers.ts';
import { maxRelativeError, product, seededValues } from '../test-support/values.ts';

interface Heap extends HeapBackend {
  disposeData(id: object): void;
}
let heap: Heap;
let memory: WasmMemory;

/** A float32 tensor on the wasm heap holding `values`, and its byte offset. */
function onHeap(values: Float32Array): { info: tf.TensorInfo; at: () => number } {
  const info = heap.makeOutput([values.length], 'float32');
  heap.typedArrayFromHeap(info).set(values);
  return { info, at: () => heap.typedArrayFromHeap(info).byteOffset };
}

/**
 * What the routine promises, in JavaScript: each C[m, n] summed over i, y, x in that order, every
 * product and sum rounded to float32 — so the SIMD lanes must give exactly these bits.
 */
function reference(g: GemmCall, a: Float32Array, b: Float32Array, c: Float32Array): Float32Array {
  const f = Math.fround;
  const out = Float32Array.from(c);
  for (let m = 0; m < g.m; m++) {
    for (let n = 0; n < g.n; n++) {
      const at = g.transposedC === true ? (n * g.ldc) / 4 + m : (m * g.ldc) / 4 + n;
      let sum = g.accumulate ? (out[at] as number) : 0;
      for (let i = 0; i < g.nb; i++) {
        for (let y = 0; y < g.ny; y++) {
          for (let x = 0; x < g.nx; x++) {
            const ai = (i * g.sbA + y * g.syA + x * g.sxA + m * g.ams) / 4;
            const bi = (i * g.sbB + y * g.syB + x * g.sxB) / 4 + n;
            sum = f(sum + f((a[ai] as number) * (b[bi] as number)));
          }
        }
      }
      out[at] = sum;
    }
  }
  return out;
}

/** Runs `g` (offsets relative to its operands) on the heap and checks it against the reference. */
function check(shape: Omit<GemmCall, 'a' | 'b' | 'c'>, seed: number): void {
  const g = { ...shape, a: 0, b: 0, c: 0 };
  // Operand sizes: one past the furthest element each reads.
  const aSize =
    ((g.nb - 1) * g.sbA + (g.ny - 1) * g.syA + (g.nx - 1) * g.sxA + (g.m - 1) * g.ams) / 4 + 1;
  const bSize = ((g.nb - 1) * g.sbB + (g.ny - 1) * g.syB + (g.nx - 1) * g.sxB) / 4 + g.n;
  const cSize =
    g.transposedC === true ? ((g.n - 1) * g.ldc) / 4 + g.m : ((g.m - 1) * g.ldc) / 4 + g.n;
  const a = onHeap(seededValues(aSize, seed));
  const b = onHeap(seededValues(bSize, seed + 1));
  const c = onHeap(seededValues(cSize, seed + 2));
  try {
    const expected = reference(
      g,
      heap.typedArrayFromHeap(a.info),
      heap.typedArrayFromHeap(b.info),
      heap.typedArrayFromHeap(c.info),
    );
    expect(runGemm(memory, { ...g, a: a.at(), b: b.at(), c: c.at() })).toBe(true);
    const actual = heap.typedArrayFromHeap(c.info);
    expect(new Uint32Array(actual.buffer, actual.byteOffset, cSize)).toEqual(
      new Uint32Array(expected.buffer),
    );
  } finally {
    for (const t of [a, b, c]) heap.disposeData(t.info.dataId);
  }
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmBatchMatMul();
  heap = tf.backend() as unknown as Heap;
  const found = backendMemory(tf.backend());
  if (found === undefined) throw new Error('The wasm backend exposes no memory.');
  memory = found;
});

afterAll(() => {
  useEngineLoops(true);
  useGemmFma(true);
});

describe('the SIMD product routine', () => {
  // The plain tiles promise exact float32 bits; the fused ones are checked against them below.
  beforeAll(() => useGemmFma(false));
  afterAll(() => useGemmFma(true));

  it('is a valid WebAssembly module for shared and unshared memory, with and without FMA', () => {
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } })
      .WebAssembly;
    // Every Node the studio supports (20.19 and later) and Electron has relaxed SIMD.
    expect(relaxedSimd()).toBe(true);
    for (const ams of [4, 1024, 65536 * 4]) {
      for (const fma of [false, true]) {
        for (const transposedC of [false, true]) {
          expect(wasm.validate(gemmModuleBytes(ams, false, fma, transposedC))).toBe(true);
          expect(wasm.validate(gemmModuleBytes(ams, true, fma, transposedC))).toBe(true);
        }
      }
    }
  });

  // Every tile: 1-4 rows, columns in eights, fours and ones (n from 1 to 19), with plain,
  // transposed and convolution-like strides, blocks of the sum, and adding to C.
  const plain = (m: number, n: number, k: number, blocks: number) => ({
    ldc: n * 4,
    ams: k * blocks * 4,
    m,
    n,
    nb: blocks,
    sbA: k * 4,
    sbB: k * n * 4,
    ny: 1,
    syA: 0,
    syB: 0,
    nx: k,
    sxA: 4,
    sxB: n * 4,
    accumulate: false,
  });
  it.each([
    [1, 1, 1],
    [3, 7, 5],
    [4, 8, 16],
    [5, 9, 3],
    [7, 12, 33],
    [9, 19, 17],
    [2, 4, 64],
  ])('matches float32 summed in order: %i × %i, sum of %i', (m, n, k) => {
    check(plain(m, n, k, 1), m * 100 + n);
    check(plain(m, n, Math.max(1, k >> 2), 4), m * 100 + n + 7);
    check({ ...plain(m, n, k, 1), accumulate: true }, m + n);
    // A stored transposed ([k, m]): its rows of C side by side.
    check({ ...plain(m, n, k, 1), ams: 4, sxA: m * 4 }, m * 7 + n);
  });

  it.each([
    [37, 11, 9, 8],
    [301, 19, 33, 84],
    [13, 70, 5, 4],
    [6, 3, 2, 12],
  ])(
    'matches float32 summed in order in panels of rows: %i × %i, sum of %i, panels of %i',
    (m, n, k, rows) => {
      check({ ...plain(m, n, k, 1), panelRows: rows }, m + n + k);
      check({ ...plain(m, n, Math.max(1, k >> 1), 2), panelRows: rows }, m + 3);
      check({ ...plain(m, n, k, 1), panelRows: rows, accumulate: true }, m + 5);
      check({ ...plain(m, n, k, 1), ams: 4, sxA: m * 4, panelRows: rows }, m * 3 + n);
    },
  );

  it.each([
    [1, 1, 1, 4],
    [3, 7, 5, 4],
    [37, 11, 9, 8],
    [301, 19, 33, 84],
    [13, 70, 5, 4],
  ])(
    'writes C transposed, as summed in order: %i × %i, sum of %i, panels of %i',
    (m, n, k, rows) => {
      const g = { ...plain(m, n, k, 1), transposedC: true };
      check({ ...g, ldc: m * 4 }, m + n + k);
      // Rows of the stored C apart, in panels.
      check({ ...g, ldc: (m + 3) * 4, panelRows: rows }, m + 7);
    },
  );

  it('refuses to add to a C stored transposed, or to sum it in blocks', () => {
    const g = { ...plain(4, 4, 4, 1), a: 0, b: 0, c: 0, transposedC: true };
    expect(() => runGemm(memory, { ...g, accumulate: true })).toThrow(/one block into a new C/);
    expect(() => runGemm(memory, { ...g, nb: 2 })).toThrow(/one block into a new C/);
  });

  it('sums over images, rows and columns at any strides, with rows of C apart', () => {
    // A filter gradient's shape: 6 rows of (j, c), 11 columns, 3 images of 4 × 5 pixels, stride 2.
    check(
      {
        ldc: 13 * 4,
        ams: 4,
        m: 6,
        n: 11,
        nb: 3,
        sbA: 10 * 12 * 2 * 4,
        sbB: 4 * 5 * 11 * 4,
        ny: 4,
        syA: 2 * 12 * 2 * 4,
        syB: 5 * 11 * 4,
        nx: 5,
        sxA: 2 * 2 * 4,
        sxB: 11 * 4,
        accumulate: false,
      },
      5,
    );
  });

  it('refuses an empty sum and does nothing for an empty result', () => {
    const g = { ...plain(2, 3, 4, 1), a: 0, b: 0, c: 0 };
    expect(() => runGemm(memory, { ...g, nx: 0 })).toThrow(/at least one term/);
    expect(runGemm(memory, { ...g, m: 0 })).toBe(true);
  });

  it('keeps blocks of the sum within the cache, in whole sixteens', () => {
    expect(sumBlock(32, 256, 16384)).toBe(512);
    expect(sumBlock(32, 2048, 16384)).toBe(64);
    expect(sumBlock(64, 16, 100)).toBe(100);
    expect(sumBlock(1, 100000, 5000)).toBe(16);
  });

  it('sizes panels of rows so that their share of C and of A stays within 32 KiB', () => {
    expect(panelRows(256, 32)).toBe(32);
    expect(panelRows(32, 256)).toBe(32);
    expect(panelRows(97, 37)).toBe(84);
    expect(panelRows(8, 16384)).toBe(16);
    expect(panelRows(100000, 5)).toBe(4);
  });

  it('runs a long product in blocks plus the rest, as one sum would', () => {
    const [m, k, n] = [3, 16 * 37 + 5, 10];
    const a = onHeap(seededValues(m * k, 1));
    const b = onHeap(seededValues(k * n, 2));
    const c = onHeap(new Float32Array(m * n));
    const expected = reference(
      { ...plain(m, n, k, 1), a: 0, b: 0, c: 0 },
      heap.typedArrayFromHeap(a.info),
      heap.typedArrayFromHeap(b.info),
      new Float32Array(m * n),
    );
    runMatMul(memory, { a: a.at(), b: b.at(), c: c.at(), m, k, n, transposeA: false }, 1);
    expect(Array.from(heap.typedArrayFromHeap(c.info))).toEqual(Array.from(expected));
    for (const t of [a, b, c]) heap.disposeData(t.info.dataId);
  });
});

/** op(a)·b (+ bias, activation) on a backend. */
async function denseOn(
  backend: 'cpu' | 'wasm',
  c: { a: number[]; b: number[]; transposeA: boolean; activation?: string; bias?: boolean },
  seed: number,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const a = tf.tensor(seededValues(product(c.a), seed), c.a);
    const b = tf.tensor(seededValues(product(c.b), seed + 1), c.b);
    const n = c.b.at(-1) as number;
    const out =
      c.activation === undefined
        ? tf.matMul(a, b, c.transposeA, false)
        : tf.fused.matMul({
            a: a as tf.Tensor2D,
            b: b as tf.Tensor2D,
            transposeA: c.transposeA,
            bias: c.bias ? tf.tensor1d(seededValues(n, seed + 2)) : undefined,
            activation: c.activation as tf.fused.Activation,
            preluActivationWeights:
              c.activation === 'prelu' ? tf.tensor1d(seededValues(n, seed + 3)) : undefined,
          });
    return out.dataSync() as Float32Array;
  });
}

describe('wasm products with a long sum (BatchMatMul, _FusedMatMul) against the cpu backend', () => {
  // At most 64 rows and a sum of at least 256: the SIMD routine's cases.
  const cases = [
    { a: [32, 1024], b: [1024, 37], transposeA: false },
    { a: [1, 7, 300], b: [1, 300, 13], transposeA: false },
    { a: [300, 5], b: [300, 8], transposeA: true },
    { a: [64, 512], b: [512, 1], transposeA: false },
  ];
  // A float32 sum in order drifts like √K rounding steps: the tolerance grows with the sum.
  const tolerance = (k: number) => 1e-5 * Math.max(1, Math.sqrt(k / 256));
  it.each(cases)('$a · $b (transposeA $transposeA)', async (c) => {
    const expected = await denseOn('cpu', c, 3);
    const actual = await denseOn('wasm', c, 3);
    const k = c.transposeA ? (c.a.at(-2) as number) : (c.a.at(-1) as number);
    expect(maxRelativeError(actual, expected)).toBeLessThan(tolerance(k));
  });

  it.each(['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu', 'prelu'])(
    'applies the bias and the %s activation as the stock kernel does',
    async (activation) => {
      const c = { a: [16, 400], b: [400, 21], transposeA: false, activation, bias: true };
      const expected = await denseOn('cpu', c, 9);
      const simd = await denseOn('wasm', c, 9);
      useEngineLoops(false);
      const stock = await denseOn('wasm', c, 9);
      useEngineLoops(true);
      expect(maxRelativeError(simd, expected)).toBeLessThan(1e-5);
      expect(maxRelativeError(simd, stock)).toBeLessThan(1e-5);
    },
  );

  it('leaks no tensors and no wasm memory', async () => {
    await tf.setBackend('wasm');
    const c = { a: [32, 2048], b: [2048, 64], transposeA: false, activation: 'relu', bias: true };
    await denseOn('wasm', c, 1);
    const tensors = tf.memory().numTensors;
    const bytes = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    for (let i = 0; i < 20; i++) {
      await denseOn('wasm', c, i);
      await denseOn('wasm', { ...c, activation: undefined }, i);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    const after = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    expect(after).toBe(bytes);
  });
});

/** C of `g` over seeded operands on the heap, the product run with `fma` tiles on `threads`. */
function productOf(shape: Omit<GemmCall, 'a' | 'b' | 'c'>, fma: boolean, threads: number) {
  const g = { ...shape, a: 0, b: 0, c: 0 };
  const aSize =
    ((g.nb - 1) * g.sbA + (g.ny - 1) * g.syA + (g.nx - 1) * g.sxA + (g.m - 1) * g.ams) / 4 + 1;
  const bSize = ((g.nb - 1) * g.sbB + (g.ny - 1) * g.syB + (g.nx - 1) * g.sxB) / 4 + g.n;
  const cSize =
    g.transposedC === true ? ((g.n - 1) * g.ldc) / 4 + g.m : ((g.m - 1) * g.ldc) / 4 + g.n;
  const [a, b, c] = [aSize, bSize, cSize].map((size, i) => onHeap(seededValues(size, 40 + i)));
  useGemmFma(fma);
  try {
    expect(runGemm(memory, { ...g, a: a!.at(), b: b!.at(), c: c!.at() }, threads)).toBe(true);
    return Float32Array.from(heap.typedArrayFromHeap(c!.info).subarray(0, cSize));
  } finally {
    useGemmFma(true);
    for (const t of [a, b, c]) heap.disposeData(t!.info.dataId);
  }
}

describe('the fused multiply-add tiles', () => {
  // A Dense layer's long sum, in blocks, and a filter gradient's strided sum over images.
  const dense = {
    ldc: 70 * 4,
    ams: 2048 * 4,
    m: 13,
    n: 70,
    nb: 4,
    sbA: 512 * 4,
    sbB: 512 * 70 * 4,
    ny: 1,
    syA: 0,
    syB: 0,
    nx: 512,
    sxA: 4,
    sxB: 70 * 4,
    accumulate: false,
  };
  const filterGradient = {
    ldc: 36 * 4,
    ams: 4,
    m: 9,
    n: 36,
    nb: 8,
    sbA: 18 * 18 * 4 * 4,
    sbB: 16 * 16 * 36 * 4,
    ny: 16,
    syA: 18 * 4 * 4,
    syB: 16 * 36 * 4,
    nx: 16,
    sxA: 4 * 4,
    sxB: 36 * 4,
    accumulate: false,
  };

  // A Dense layer's weight gradient Xᵀ·dY and its input gradient as W·dYᵀ: many rows, in panels
  // split over the threads by rows.
  const weightGradient = {
    ldc: 99 * 4,
    ams: 4,
    m: 1037,
    n: 99,
    nb: 1,
    sbA: 0,
    sbB: 0,
    ny: 1,
    syA: 0,
    syB: 0,
    nx: 32,
    sxA: 1037 * 4,
    sxB: 99 * 4,
    accumulate: false,
    panelRows: 80,
  };
  const inputGradient = {
    ldc: 33 * 4,
    ams: 257 * 4,
    m: 1531,
    n: 33,
    nb: 1,
    sbA: 0,
    sbB: 0,
    ny: 1,
    syA: 0,
    syB: 0,
    nx: 257,
    sxA: 4,
    sxB: 33 * 4,
    accumulate: false,
    panelRows: 28,
  };
  // The same written transposed, as the input gradient dY·Wᵀ writes dX.
  const inputGradientT = { ...inputGradient, ldc: 1531 * 4, transposedC: true };

  it.each([
    ['a Dense product', dense, 2048],
    ['a filter gradient', filterGradient, 8 * 16 * 16],
    ['a weight gradient in panels', weightGradient, 32],
    ['an input gradient in panels', inputGradient, 257],
    ['an input gradient written transposed', inputGradientT, 257],
  ] as const)(
    'give %s within float32 rounding of the plain tiles, the same on 1 and 2 threads',
    (_, shape, k) => {
      const plain1 = productOf(shape, false, 1);
      const plain2 = productOf(shape, false, 2);
      const fused1 = productOf(shape, true, 1);
      const fused2 = productOf(shape, true, 2);
      // Each path sums every element in one order whatever the split.
      expect(plain2).toEqual(plain1);
      expect(fused2).toEqual(fused1);
      // One rounding a term instead of two: the sums drift apart like √K rounding steps.
      const tolerance = 1e-5 * Math.max(1, Math.sqrt(k / 256));
      const error = maxRelativeError(fused1, plain1);
      process.stdout.write(
        `FMA vs plain tiles, ${_} (K = ${k}): largest relative error ${error}\n`,
      );
      expect(error).toBeLessThan(tolerance);
      expect(error).toBeGreaterThan(0);
      const fma = engineLoopRecords().filter((r) => r.id.startsWith('gemm fma '));
      expect(fma.length).toBeGreaterThan(0);
      expect(fma.every((r) => r.runs > 0 && r.error === undefined)).toBe(true);
    },
  );
});

describe('groups of products', () => {
  // A strided convolution's output rows: 4 input channels, a 3×3 filter of 12 outputs, stride 2
  // over 11-pixel rows, 7 output rows in all (the groups), each of 5 pixels.
  const row = {
    ldc: 12 * 4,
    ams: 2 * 4 * 4,
    m: 5,
    n: 12,
    nb: 1,
    sbA: 0,
    sbB: 0,
    ny: 3,
    syA: 11 * 4 * 4,
    syB: 3 * 4 * 12 * 4,
    nx: 3 * 4,
    sxA: 4,
    sxB: 12 * 4,
    accumulate: false,
  };
  const groups = { ng: 7, sgA: 2 * 11 * 4 * 4, sgC: 5 * 12 * 4 };

  it('give each group the bits of its own product, split over rows or columns alike', () => {
    const aSize = (7 * 2 + 3) * 11 * 4;
    const bSize = 3 * 3 * 4 * 12;
    const cSize = 7 * 5 * 12;
    const [a, b, c] = [aSize, bSize, cSize].map((size, i) => onHeap(seededValues(size, 60 + i)));
    const run = (f: () => void) => {
      heap.typedArrayFromHeap(c!.info).fill(Number.NaN);
      f();
      return Float32Array.from(heap.typedArrayFromHeap(c!.info));
    };
    try {
      const at = { a: a!.at(), b: b!.at(), c: c!.at() };
      const one = run(() => {
        for (let i = 0; i < groups.ng; i++) {
          const g = { ...row, ...at, a: at.a + i * groups.sgA, c: at.c + i * groups.sgC };
          expect(runGemm(memory, g)).toBe(true);
        }
      });
      expect(one.every((v) => Number.isFinite(v))).toBe(true);
      for (const split of ['rows', 'columns'] as const) {
        for (const threads of [1, 2]) {
          const grouped = run(() => runGemm(memory, { ...row, ...at, ...groups }, threads, split));
          expect(grouped).toEqual(one);
        }
      }
    } finally {
      for (const t of [a, b, c]) heap.disposeData(t!.info.dataId);
    }
  });
});
