// tfjs-backend-wasm 4.22 runs Relu, Neg, Abs and Square as scalar C++ loops on one thread: ReLU
// forward over every activation of a conv net (2.6 ms for a [32, 48, 48, 16] activation), Neg and
// Abs in the losses (8–10 ms for [32, 4096, 5]). Here each is one SIMD pass over groups of four
// floats split over the backend's threads, the last few values in JavaScript: 1.1 and 0.7–0.8 ms
// (2 threads, fastest of 20, 7 December 2026, machine under load). Each value is wasm's max with 0,
// a sign bit or one float32 product, so the bits are the stock kernels' and the cpu backend's, and
// every value is computed by one thread whatever the count. The binary operations' table (BINARY)
// serves the broadcasts (broadcast-binary.ts, row-broadcast.ts); two tensors of one shape stay on
// XNNPACK, which is as fast as a pass here (memory-bound: 1.1 ms for [32, 32, 32, 32] on either).
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

/** out = f(x) for `vectors` groups of four. */
function unaryBody(kernel: UnaryKernel): number[] {
  const [X, OUT, VECTORS] = [0, 1, 2];
  const { get } = op;
  const load = [...get(X), ...op.v128Load()];
  return [
    ...op.loop,
    ...get(OUT),
    ...load,
    ...(kernel === 'Square' ? load : []),
    ...UNARY[kernel].simd,
    ...op.v128Store(),
    ...addTo(X, op.i32(16)),
    ...addTo(OUT, op.i32(16)),
    ...countdown(VECTORS),
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

/** [from, to) value shares of `n` values over the threads, whole groups of four. */
function valueShares(n: number, backend: unknown): { shares: [number, number][]; threads: number } {
  const threads = n < MIN_SPLIT_VALUES ? 1 : engineThreads(backend);
  return { shares: shares(n, threads, 4), threads };
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
    const done = n - (n % 4);
    const split = valueShares(done, args.backend);
    passes++;
    loop.run(
      split.shares.map(([i0, i1]) => [
        vx.byteOffset + 4 * i0,
        vout.byteOffset + 4 * i0,
        (i1 - i0) / 4,
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
