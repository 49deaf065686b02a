// tfjs-backend-wasm 4.22's `FusedBatchNorm` is a scalar C++ loop on one thread that works out each
// element's channel: ~7 ms for a [32, 32, 32, 48] activation, four calls and ~15 ms of
// digits-strong's ~380 ms step (the bench's profile of 7 December 2026). Here it is one SIMD pass:
// each channel's (x − mean) · a + offset, with a = scale / √(variance + ε) worked out once per
// channel. Every parameter may cycle with its own length, as the cpu backend's loop reads them, so
// the pass runs over periods of lcm(4, those lengths) elements with one table of coefficients; what
// is left past the last whole period is done here in JavaScript with the same float32 steps.
import type { FusedBatchNormAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import {
  I32,
  addTo,
  backendMemory,
  copy,
  countdown,
  op,
  wasmModuleBytes,
  type ValueType,
  type WasmMemory,
} from '../emit.ts';
import { engineLoop, engineThreads, shares } from '../parallel.ts';
import { replaceStockKernel, stockKernel, type HeapBackend } from './kernel-helpers.ts';

/** `periods` × `vectors` groups of four: out = (x − mean) · a + offset, the table reread each period. */
function normalizeBody(): number[] {
  const [X, OUT, TABLE, TABLE_BYTES, PERIODS, VECTORS] = [0, 1, 2, 3, 4, 5];
  const [M, V] = [6, 7];
  const { get } = op;
  return [
    ...op.loop,
    ...copy(TABLE, M),
    ...copy(VECTORS, V),
    ...op.loop,
    ...get(OUT),
    ...get(X),
    ...op.v128Load(),
    ...get(M),
    ...op.v128Load(),
    ...op.f32x4Sub,
    ...get(M),
    ...get(TABLE_BYTES),
    ...op.i32Add,
    ...op.v128Load(),
    ...op.f32x4Mul,
    ...get(M),
    ...get(TABLE_BYTES),
    ...get(TABLE_BYTES),
    ...op.i32Add,
    ...op.i32Add,
    ...op.v128Load(),
    ...op.f32x4Add,
    ...op.v128Store(),
    ...addTo(X, op.i32(16)),
    ...addTo(OUT, op.i32(16)),
    ...addTo(M, op.i32(16)),
    ...countdown(V),
    ...op.end,
    ...countdown(PERIODS),
    ...op.end,
  ];
}

export const normalizeBytes = (shared: boolean): Uint8Array =>
  wasmModuleBytes({
    types: [{ params: Array<ValueType>(6).fill(I32) }],
    functions: [{ type: 0, locals: [I32, I32], body: normalizeBody(), export: 'normalize' }],
    sharedMemory: shared,
  });

const normalizeFor = (memory: WasmMemory) =>
  engineLoop(memory, 'batch norm', normalizeBytes, 'normalize');

/** The longest period (elements) the table covers; longer cycles go to the stock kernel. */
const MAX_PERIOD = 1 << 14;
/** Below this many elements the pass runs on one thread. */
const MIN_SPLIT_ELEMENTS = 1 << 18;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

let simdPasses = 0;
/** Batch normalizations done by the SIMD pass in this process (tests check it ran). */
export const batchNormPasses = (): number => simdPasses;

const batchNormWasm: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args;
  const { x, mean, variance, offset, scale } = inputs as Record<string, TensorInfo | undefined>;
  if (x === undefined || mean === undefined || variance === undefined) {
    throw new Error('FusedBatchNorm needs x, mean and variance.');
  }
  const params = [mean, variance, offset, scale];
  if (params.some((p) => p !== undefined && p.dtype !== 'float32') || x.dtype !== 'float32') {
    return stockKernel('FusedBatchNorm').kernelFunc(args);
  }
  const heap = backend as unknown as HeapBackend;
  const size = x.shape.reduce((a, b) => a * b, 1);
  const lengths = params.map((p) => (p === undefined ? 1 : p.shape.reduce((a, b) => a * b, 1)));
  const period = lengths.reduce(lcm, 4);
  if (lengths.some((n) => n === 0) || period > MAX_PERIOD) {
    return stockKernel('FusedBatchNorm').kernelFunc(args);
  }
  const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
  const epsilon = varianceEpsilon ?? 0.001;
  const out = heap.makeOutput([...x.shape], 'float32');
  // mean, a and offset for each element of a period, on the heap for the SIMD pass.
  const scratch = heap.makeOutput([3 * period], 'float32');
  try {
    // Views after the allocations: they may have grown (and so replaced) the heap.
    const view = (t: TensorInfo | undefined, fallback: number) =>
      t === undefined ? Float32Array.of(fallback) : heap.typedArrayFromHeap(t);
    const [m, v, o, s] = [view(mean, 0), view(variance, 0), view(offset, 0), view(scale, 1)];
    const table = heap.typedArrayFromHeap(scratch);
    for (let j = 0; j < period; j++) {
      table[j] = m[j % m.length] as number;
      table[period + j] =
        (s[j % s.length] as number) / Math.sqrt((v[j % v.length] as number) + epsilon);
      table[2 * period + j] = o[j % o.length] as number;
    }
    const xs = heap.typedArrayFromHeap(x);
    const ys = heap.typedArrayFromHeap(out);
    const memory = backendMemory(backend);
    const loop = memory === undefined ? undefined : normalizeFor(memory);
    const periods = loop === undefined ? 0 : Math.floor(size / period);
    if (loop !== undefined && periods > 0) {
      simdPasses++;
      const threads = size < MIN_SPLIT_ELEMENTS ? 1 : engineThreads(backend);
      loop.run(
        shares(periods, threads).map(([p0, p1]) => [
          xs.byteOffset + 4 * p0 * period,
          ys.byteOffset + 4 * p0 * period,
          table.byteOffset,
          4 * period,
          p1 - p0,
          period / 4,
        ]),
        threads,
      );
    }
    // The rest in the same float32 steps: a difference, a product and a sum, each rounded.
    const f = Math.fround;
    for (let i = periods * period, j = 0; i < size; i++, j = (j + 1) % period) {
      const centred = f((xs[i] as number) - (table[j] as number));
      ys[i] = f(centred * (table[period + j] as number)) + (table[2 * period + j] as number);
    }
  } finally {
    (backend as unknown as { disposeData(id: object): void }).disposeData(scratch.dataId);
  }
  return out;
};

/** Replaces the wasm backend's `FusedBatchNorm` with the SIMD pass. Later calls do nothing. */
export function registerWasmBatchNorm(): void {
  replaceStockKernel('FusedBatchNorm', batchNormWasm, 'needed', 'WebAssembly');
}
