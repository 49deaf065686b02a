// tfjs-backend-wasm 4.22 runs Relu as a scalar C++ loop on one thread (2.5–2.7 ms for a
// [32, 48, 48, 16] activation), and its Neg, Abs and Square cost 1–2.6 ms a step in the detection
// and multitask templates' losses. Here each is one SIMD pass, four vectors an iteration, split
// over the backend's threads, the last few values in JavaScript: that Relu in 0.9–1.2 ms (2 threads,
// fastest of 20, three runs, 7 December 2026), and Neg, Abs and Square under 0.2 ms a step each
// (tf.profile of digits-scenes-detect and digits-scenes-multitask, 3 steps, 2 threads, two runs of
// each tree alternating). Each value is wasm's max with 0, a sign bit or one float32 product, so the
// bits are the stock kernels' and the cpu backend's, and every value is computed by one thread
// whatever the count. The binary operations' table (BINARY) serves the broadcasts
// (broadcast-binary.ts, row-broadcast.ts); two tensors of one shape stay on XNNPACK, which ran as
// fast as a pass here (memory-bound: 1.0–1.2 ms for [32, 32, 32, 32] either way).
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { tf } from '../../tf.ts';
import {
  I32,
  addTo,
  backendMemory,
  countdown,
  op,
  wasmModuleBytes,
  type ValueType,
  type WasmMemory,
} from '../emit.ts';
import { engineLoop, engineThreads, shares } from '../parallel.ts';
import { replaceStockKernel, stockKernel, type HeapBackend } from './kernel-helpers.ts';

export type UnaryKernel = 'Relu' | 'Neg' | 'Abs' | 'Square';
export type BinaryKernel = 'Add' | 'Sub' | 'Multiply' | 'RealDiv';

/** Instructions that take the vector x on the stack to f(x), with the JavaScript for the tail. */
interface UnaryOperation {
  readonly id: string;
  readonly simd: readonly number[];
  readonly js: (x: number) => number;
}

// ReLU is wasm's max(x, 0): NaN stays NaN and −0 becomes +0, as both backends give.
const UNARY = {
  Relu: {
    id: 'relu',
    simd: [...op.f32x4Const(0), ...op.f32x4Max],
    js: (x) => (Number.isNaN(x) ? x : x > 0 ? x : 0),
  },
  Neg: { id: 'neg', simd: op.f32x4Neg, js: (x) => -x },
  Abs: { id: 'abs', simd: op.f32x4Abs, js: Math.abs },
  // x·x on the stack needs x twice: the body loads it twice for this one.
  Square: { id: 'square', simd: op.f32x4Mul, js: (x) => Math.fround(x * x) },
} satisfies Record<UnaryKernel, UnaryOperation>;

export const BINARY = {
  Add: { id: 'add', simd: op.f32x4Add, js: (a: number, b: number) => a + b },
  Sub: { id: 'sub', simd: op.f32x4Sub, js: (a: number, b: number) => a - b },
  Multiply: { id: 'mul', simd: op.f32x4Mul, js: (a: number, b: number) => a * b },
  RealDiv: { id: 'div', simd: op.f32x4Div, js: (a: number, b: number) => a / b },
} satisfies Record<BinaryKernel, unknown>;

/** out = f(x) for `blocks` blocks of sixteen values, four vectors an iteration. */
function unaryBody(kernel: UnaryKernel): number[] {
  const [X, OUT, BLOCKS] = [0, 1, 2];
  const { get } = op;
  const one = (offset: number) => {
    const load = [...get(X), ...op.v128Load(offset)];
    return [
      ...get(OUT),
      ...load,
      ...(kernel === 'Square' ? load : []),
      ...UNARY[kernel].simd,
      ...op.v128Store(offset),
    ];
  };
  return [
    ...op.loop,
    ...[0, 16, 32, 48].flatMap(one),
    ...addTo(X, op.i32(64)),
    ...addTo(OUT, op.i32(64)),
    ...countdown(BLOCKS),
    ...op.end,
  ];
}

export const unaryBytes =
  (kernel: UnaryKernel) =>
  (shared: boolean): Uint8Array =>
    wasmModuleBytes({
      types: [{ params: Array<ValueType>(3).fill(I32) }],
      functions: [{ type: 0, locals: [], body: unaryBody(kernel), export: 'unary' }],
      sharedMemory: shared,
    });

const unaryFor = (memory: WasmMemory, kernel: UnaryKernel) =>
  engineLoop(memory, `unary ${UNARY[kernel].id}`, unaryBytes(kernel), 'unary');

/**
 * Below this many values the stock kernel runs: a call of the engine's loop costs about as much
 * as the stock kernel saves there.
 */
export const MIN_VALUES = 1 << 12;
/** Below this many values the pass runs on one thread (a split costs ~0.05 ms). */
const MIN_SPLIT_VALUES = 1 << 16;

/** [from, to) value shares of `n` values over the threads, whole blocks of sixteen. */
function valueShares(n: number, backend: unknown): { shares: [number, number][]; threads: number } {
  const threads = n < MIN_SPLIT_VALUES ? 1 : engineThreads(backend);
  return { shares: shares(n, threads, 16), threads };
}

let passes = 0;
/** Element-wise operations done by the engine's SIMD passes in this process (tests check it ran). */
export const elementwisePasses = (): number => passes;

const unaryKernel =
  (kernel: UnaryKernel): KernelFunc =>
  (args) => {
    const { x } = args.inputs as Record<string, TensorInfo | undefined>;
    if (x === undefined) throw new Error(`${kernel} needs x.`);
    const n = tf.util.sizeFromShape(x.shape);
    const memory = backendMemory(args.backend);
    const loop =
      x.dtype !== 'float32' || n < MIN_VALUES || memory === undefined
        ? undefined
        : unaryFor(memory, kernel);
    if (loop === undefined) return stockKernel(kernel).kernelFunc(args) as TensorInfo;
    const heap = args.backend as unknown as HeapBackend;
    const out = heap.makeOutput([...x.shape], 'float32');
    // Views after the allocation: it may have grown (and so replaced) the heap.
    const [vx, vout] = [x, out].map((t) => heap.typedArrayFromHeap(t)) as [
      Float32Array,
      Float32Array,
    ];
    const done = n - (n % 16);
    const split = valueShares(done, args.backend);
    passes++;
    loop.run(
      split.shares.map(([i0, i1]) => [
        vx.byteOffset + 4 * i0,
        vout.byteOffset + 4 * i0,
        (i1 - i0) / 16,
      ]),
      split.threads,
    );
    const f = UNARY[kernel].js;
    for (let i = done; i < n; i++) vout[i] = f(vx[i] as number);
    return out;
  };

/** Made once, so that registering again finds the same functions and does nothing. */
const UNARY_KERNELS = {
  Relu: unaryKernel('Relu'),
  Neg: unaryKernel('Neg'),
  Abs: unaryKernel('Abs'),
  Square: unaryKernel('Square'),
} satisfies Record<UnaryKernel, KernelFunc>;

/**
 * Replaces the wasm backend's Relu, Neg, Abs and Square with one SIMD pass split over the threads.
 * Later calls do nothing.
 */
export function registerWasmElementwise(): void {
  for (const [kernel, kernelFunc] of Object.entries(UNARY_KERNELS)) {
    replaceStockKernel(kernel, kernelFunc, 'needed', 'WebAssembly');
  }
}
