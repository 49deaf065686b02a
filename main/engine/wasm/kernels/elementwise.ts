// What is left of a training step on WebAssembly after the convolutions is element-wise: ReLU
// forward over every activation, gradients summed and multiplied where two tensors of one shape
// meet, the losses' squares and differences. tfjs-backend-wasm 4.22 runs its Relu, Neg, Abs and
// Square as scalar C++ loops on one thread, and its Add, Sub, Multiply and RealDiv of two tensors
// of one shape (or of a tensor and a scalar) on XNNPACK on one thread. Here each is one SIMD pass
// over groups of four floats split over the backend's threads, the last few values in JavaScript.
// Each value is one float32 operation (or a sign bit, or wasm's max), so the bits are the stock
// kernels' and the cpu backend's, and every value is computed by one thread whatever the count.
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

/** out = a ∘ b for `vectors` groups of four. */
function binaryBody(kernel: BinaryKernel): number[] {
  const [A, B, OUT, VECTORS] = [0, 1, 2, 3];
  const { get } = op;
  return [
    ...op.loop,
    ...get(OUT),
    ...get(A),
    ...op.v128Load(),
    ...get(B),
    ...op.v128Load(),
    ...BINARY[kernel].simd,
    ...op.v128Store(),
    ...addTo(A, op.i32(16)),
    ...addTo(B, op.i32(16)),
    ...addTo(OUT, op.i32(16)),
    ...countdown(VECTORS),
    ...op.end,
  ];
}

const moduleOf =
  (params: number, body: number[], name: string) =>
  (shared: boolean): Uint8Array =>
    wasmModuleBytes({
      types: [{ params: Array<ValueType>(params).fill(I32) }],
      functions: [{ type: 0, locals: [], body, export: name }],
      sharedMemory: shared,
    });

export const unaryBytes = (kernel: UnaryKernel) => moduleOf(3, unaryBody(kernel), 'unary');
export const binaryBytes = (kernel: BinaryKernel) => moduleOf(4, binaryBody(kernel), 'binary');

const unaryFor = (memory: WasmMemory, kernel: UnaryKernel) =>
  engineLoop(memory, `unary ${UNARY[kernel].id}`, unaryBytes(kernel), 'unary');
const binaryFor = (memory: WasmMemory, kernel: BinaryKernel) =>
  engineLoop(memory, `same-shape ${BINARY[kernel].id}`, binaryBytes(kernel), 'binary');

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

/**
 * a ∘ b for two float32 tensors of one shape, by the engine's pass; undefined where it does not
 * take the case (the caller runs the stock kernel).
 */
export function sameShapeBinary(
  kernel: BinaryKernel,
  a: TensorInfo,
  b: TensorInfo,
  backend: unknown,
): TensorInfo | undefined {
  const n = tf.util.sizeFromShape(a.shape);
  const memory = backendMemory(backend);
  const loop = n < MIN_VALUES || memory === undefined ? undefined : binaryFor(memory, kernel);
  if (loop === undefined) return undefined;
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([...a.shape], 'float32');
  const [va, vb, vout] = [a, b, out].map((t) => heap.typedArrayFromHeap(t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const done = n - (n % 4);
  const split = valueShares(done, backend);
  passes++;
  loop.run(
    split.shares.map(([i0, i1]) => [
      va.byteOffset + 4 * i0,
      vb.byteOffset + 4 * i0,
      vout.byteOffset + 4 * i0,
      (i1 - i0) / 4,
    ]),
    split.threads,
  );
  const f = BINARY[kernel].js;
  for (let i = done; i < n; i++) vout[i] = f(va[i] as number, vb[i] as number);
  return out;
}

/** Made once, so that registering again finds the same functions and does nothing. */
const UNARY_KERNELS = {
  Relu: unaryKernel('Relu'),
  Neg: unaryKernel('Neg'),
  Abs: unaryKernel('Abs'),
  Square: unaryKernel('Square'),
} satisfies Record<UnaryKernel, KernelFunc>;

/**
 * Replaces the wasm backend's Relu, Neg, Abs and Square with one SIMD pass split over the threads
 * (the same-shape binary operations come in through broadcast-binary.ts). Later calls do nothing.
 */
export function registerWasmElementwise(): void {
  for (const [kernel, kernelFunc] of Object.entries(UNARY_KERNELS)) {
    replaceStockKernel(kernel, kernelFunc, 'needed', 'WebAssembly');
  }
}
