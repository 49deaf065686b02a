// BatchNormalization's training-mode gradient in two SIMD passes. TensorFlow.js differentiates
// the layer's batch statistics kernel by kernel: FusedBatchNorm's gradient in tfjs-core (a dozen
// element-wise and broadcast kernels over the activation), then the gradients of the two Means,
// SquaredDifference and the reshapes of the moments: in digits-strong's step those were most of
// the ~90 Multiply calls (~51 ms), Sub (~15 ms) and a share of Mean and Tile (the bench's profile
// of 7 December 2026, 2 threads, batch 32). With the batch statistics over every axis but the
// last (the channels), the whole gradient has a closed form, per channel over the N = N·H·W rows:
//   x̂ = (x − μ) · r, r = 1/√(σ² + ε), a = γ · r
//   dγ = Σ dy·x̂, dβ = Σ dy, dx = a · (dy − Σdy/N − x̂ · Σ(dy·x̂)/N)
// The first pass sums dy and dy·(x − μ) per channel; the second writes
//   dx = (x − μ) · k₂ + dy · k₁ + k₃, k₁ = a, k₂ = −a · r² · Σ(dy·(x − μ))/N, k₃ = −a · Σdy/N.
// Both run four lanes at a time over periods of lcm(4, C) elements (C the channels) with a table of
// each lane's μ and coefficients, as the forward pass does (batch-norm.ts). The sums are float64,
// as the cpu backend's and the engine's Sum accumulate (float32 sums of digits-strong's 8,192 rows
// were ~3e-5 off dβ), in fixed blocks of rows: each block's sums are written apart and the blocks
// added here in block order, so the bits do not depend on how many threads took the blocks.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { tf } from '../../tf.ts';
import {
  I32,
  V128,
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
import { declareEngineKernel, type HeapBackend } from './kernel-helpers.ts';

/** The engine's kernel: inputs x, dy, mean, variance, scale; outputs dx, dScale, dOffset. */
export const BATCH_NORM_GRAD = 'MtsBatchNormGrad';

export interface BatchNormGradAttrs {
  readonly varianceEpsilon: number;
}

/**
 * Blocks × periods × vectors: each block's float64 sums of dy and dy·(x − μ) per lane (each value
 * widened, the product and the sums in float64, as the JavaScript loop computes them), written as
 * four f64x2 side by side for each vector of the period; the table's μ at a 64-byte stride.
 */
function sumsBody(): number[] {
  const [X, DY, TABLE, PART, VECTORS, PERIODS, BLOCKS] = [0, 1, 2, 3, 4, 5, 6];
  const [T, A, V, K, D] = [7, 8, 9, 10, 11];
  const { get, set } = op;
  const widened = (base: number, half: number) => [
    ...get(base),
    ...op.v128Load64Zero(half),
    ...op.f64x2PromoteLow,
  ];
  /** The low (half 0) or high (half 8) two lanes of one vector into the block's sums. */
  const half = (h: number) => [
    ...widened(DY, h),
    ...set(D),
    ...get(A),
    ...get(A),
    ...op.v128Load(2 * h),
    ...get(D),
    ...op.f64x2Add,
    ...op.v128Store(2 * h),
    ...get(A),
    ...get(A),
    ...op.v128Load(32 + 2 * h),
    ...get(D),
    ...widened(X, h),
    ...widened(T, h),
    ...op.f64x2Sub,
    ...op.f64x2Mul,
    ...op.f64x2Add,
    ...op.v128Store(32 + 2 * h),
  ];
  return [
    ...op.loop,
    ...copy(PART, A),
    ...get(VECTORS),
    ...op.i32(4),
    ...op.i32Mul,
    ...set(V),
    ...op.loop,
    ...get(A),
    ...op.v128Zero,
    ...op.v128Store(),
    ...addTo(A, op.i32(16)),
    ...countdown(V),
    ...op.end,
    ...copy(PERIODS, K),
    ...op.loop,
    ...copy(TABLE, T),
    ...copy(PART, A),
    ...copy(VECTORS, V),
    ...op.loop,
    ...half(0),
    ...half(8),
    ...addTo(X, op.i32(16)),
    ...addTo(DY, op.i32(16)),
    ...addTo(T, op.i32(64)),
    ...addTo(A, op.i32(64)),
    ...countdown(V),
    ...op.end,
    ...countdown(K),
    ...op.end,
    ...copy(A, PART),
    ...countdown(BLOCKS),
    ...op.end,
  ];
}

/** Periods × vectors: dx = (x − μ) · k₂ + dy · k₁ + k₃, the table's μ, k₁, k₂, k₃ side by side. */
function dxBody(): number[] {
  const [OUT, X, DY, TABLE, PERIODS, VECTORS] = [0, 1, 2, 3, 4, 5];
  const [T, V] = [6, 7];
  const { get } = op;
  return [
    ...op.loop,
    ...copy(TABLE, T),
    ...copy(VECTORS, V),
    ...op.loop,
    ...get(OUT),
    ...get(X),
    ...op.v128Load(),
    ...get(T),
    ...op.v128Load(),
    ...op.f32x4Sub,
    ...get(T),
    ...op.v128Load(32),
    ...op.f32x4Mul,
    ...get(DY),
    ...op.v128Load(),
    ...get(T),
    ...op.v128Load(16),
    ...op.f32x4Mul,
    ...op.f32x4Add,
    ...get(T),
    ...op.v128Load(48),
    ...op.f32x4Add,
    ...op.v128Store(),
    ...addTo(OUT, op.i32(16)),
    ...addTo(X, op.i32(16)),
    ...addTo(DY, op.i32(16)),
    ...addTo(T, op.i32(64)),
    ...countdown(V),
    ...op.end,
    ...countdown(PERIODS),
    ...op.end,
  ];
}

export const batchNormSumsBytes = (shared: boolean): Uint8Array =>
  wasmModuleBytes({
    types: [{ params: Array<ValueType>(7).fill(I32) }],
    functions: [{ type: 0, locals: [I32, I32, I32, I32, V128], body: sumsBody(), export: 'sums' }],
    sharedMemory: shared,
  });

export const batchNormDxBytes = (shared: boolean): Uint8Array =>
  wasmModuleBytes({
    types: [{ params: Array<ValueType>(6).fill(I32) }],
    functions: [{ type: 0, locals: [I32, I32], body: dxBody(), export: 'dx' }],
    sharedMemory: shared,
  });

const sumsFor = (memory: WasmMemory) =>
  engineLoop(memory, 'batch norm grad sums', batchNormSumsBytes, 'sums');
const dxFor = (memory: WasmMemory) =>
  engineLoop(memory, 'batch norm grad dx', batchNormDxBytes, 'dx');

/** The longest period (elements) the table covers; longer cycles take the JavaScript loop. */
const MAX_PERIOD = 1 << 14;
/** A block of the sums holds at least this many elements (and 16 periods), whatever the threads. */
const BLOCK_ELEMENTS = 16384;
const MIN_BLOCK_PERIODS = 16;
/** Below this many elements a pass runs on one thread (a split costs ~0.05 ms). */
const MIN_SPLIT_ELEMENTS = 1 << 16;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Per channel: the coefficients of dx and the two parameter gradients, from the two sums. */
function coefficients(
  sumDy: Float64Array,
  sumDyCentred: Float64Array,
  variance: Float32Array,
  scale: Float32Array,
  epsilon: number,
  rows: number,
) {
  const c = sumDy.length;
  const [k1, k2, k3] = [0, 1, 2].map(() => new Float32Array(c)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const dScale = new Float32Array(c);
  const dOffset = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    const r = 1 / Math.sqrt((variance[j] as number) + epsilon);
    const a = (scale[j] as number) * r;
    const s1 = sumDy[j] as number;
    const s2 = sumDyCentred[j] as number;
    k1[j] = a;
    k2[j] = (-a * r * r * s2) / rows;
    k3[j] = (-a * s1) / rows;
    dScale[j] = s2 * r;
    dOffset[j] = s1;
  }
  return { k1, k2, k3, dScale, dOffset };
}

/** The whole gradient in JavaScript (float64 sums): the path without SIMD, and the tests' reference. */
export function batchNormGradPlain(
  x: Float32Array,
  dy: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  scale: Float32Array,
  epsilon: number,
  dx: Float32Array,
): { dScale: Float32Array; dOffset: Float32Array } {
  const c = mean.length;
  const rows = x.length / c;
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let i = 0, j = 0; i < x.length; i++, j = j + 1 === c ? 0 : j + 1) {
    const g = dy[i] as number;
    s1[j] = (s1[j] as number) + g;
    s2[j] = (s2[j] as number) + g * ((x[i] as number) - (mean[j] as number));
  }
  const k = coefficients(s1, s2, variance, scale, epsilon, rows);
  for (let i = 0, j = 0; i < x.length; i++, j = j + 1 === c ? 0 : j + 1) {
    dx[i] =
      ((x[i] as number) - (mean[j] as number)) * (k.k2[j] as number) +
      (dy[i] as number) * (k.k1[j] as number) +
      (k.k3[j] as number);
  }
  return { dScale: k.dScale, dOffset: k.dOffset };
}

let simdGradients = 0;
/** Gradients done by the SIMD passes in this process (tests check they ran). */
export const batchNormGradPasses = (): number => simdGradients;

/** The SIMD passes, or false where they cannot run here (then the caller takes the plain loop). */
function batchNormGradSimd(
  backend: unknown,
  heap: HeapBackend,
  tensors: { x: TensorInfo; dy: TensorInfo; dx: TensorInfo },
  params: { mean: Float32Array; variance: Float32Array; scale: Float32Array; epsilon: number },
): { dScale: Float32Array; dOffset: Float32Array } | false {
  const memory = backendMemory(backend);
  const sums = memory === undefined ? undefined : sumsFor(memory);
  const dxLoop = memory === undefined ? undefined : dxFor(memory);
  const c = params.mean.length;
  const period = (4 * c) / gcd(4, c);
  const size = tensors.x.shape.reduce((a, b) => a * b, 1);
  const periods = Math.floor(size / period);
  if (sums === undefined || dxLoop === undefined || period > MAX_PERIOD || periods === 0) {
    return false;
  }
  const vectors = period / 4;
  const blockPeriods = Math.max(MIN_BLOCK_PERIODS, Math.ceil(BLOCK_ELEMENTS / period));
  const blocks = Math.floor(periods / blockPeriods);
  const lastPeriods = periods - blocks * blockPeriods;
  const partBlocks = blocks + (lastPeriods > 0 ? 1 : 0);
  // The table (μ, k₁, k₂, k₃ for each lane of a period), then each block's float64 sums.
  const scratch = heap.makeOutput([4 * period + 4 * period * partBlocks], 'float32');
  try {
    // Views after the allocation: it may have grown (and so replaced) the heap.
    const all = heap.typedArrayFromHeap(scratch);
    const table = all.subarray(0, 4 * period);
    const part = new Float64Array(
      all.buffer,
      all.byteOffset + 16 * period,
      2 * period * partBlocks,
    );
    const [xs, dys, dxs] = [tensors.x, tensors.dy, tensors.dx].map((t) =>
      heap.typedArrayFromHeap(t),
    ) as [Float32Array, Float32Array, Float32Array];
    const lane = (j: number) => 16 * Math.floor(j / 4) + (j % 4);
    for (let j = 0; j < period; j++) table[lane(j)] = params.mean[j % c] as number;
    const threads = size < MIN_SPLIT_ELEMENTS ? 1 : engineThreads(backend);
    const at = (a: Float32Array, elements: number) => a.byteOffset + 4 * elements;
    if (blocks > 0) {
      sums.run(
        shares(blocks, threads).map(([b0, b1]) => [
          at(xs, b0 * blockPeriods * period),
          at(dys, b0 * blockPeriods * period),
          table.byteOffset,
          part.byteOffset + 8 * b0 * 2 * period,
          vectors,
          blockPeriods,
          b1 - b0,
        ]),
        threads,
      );
    }
    if (lastPeriods > 0) {
      const start = blocks * blockPeriods * period;
      sums.run(
        [
          [
            at(xs, start),
            at(dys, start),
            table.byteOffset,
            part.byteOffset + 8 * blocks * 2 * period,
            vectors,
            lastPeriods,
            1,
          ],
        ],
        1,
      );
    }
    // The blocks in order, in float64; then what is past the last whole period.
    const s1 = new Float64Array(c);
    const s2 = new Float64Array(c);
    for (let b = 0; b < partBlocks; b++) {
      const base = b * 2 * period;
      for (let j = 0; j < period; j++) {
        const k = base + 8 * Math.floor(j / 4) + (j % 4);
        s1[j % c] = (s1[j % c] as number) + (part[k] as number);
        s2[j % c] = (s2[j % c] as number) + (part[k + 4] as number);
      }
    }
    const f = Math.fround;
    for (let i = periods * period, j = 0; i < size; i++, j = j + 1 === c ? 0 : j + 1) {
      const g = dys[i] as number;
      s1[j] = (s1[j] as number) + g;
      s2[j] = (s2[j] as number) + g * ((xs[i] as number) - (params.mean[j] as number));
    }
    const rows = size / c;
    const k = coefficients(s1, s2, params.variance, params.scale, params.epsilon, rows);
    for (let j = 0; j < period; j++) {
      table[lane(j) + 4] = k.k1[j % c] as number;
      table[lane(j) + 8] = k.k2[j % c] as number;
      table[lane(j) + 12] = k.k3[j % c] as number;
    }
    simdGradients++;
    dxLoop.run(
      shares(periods, threads).map(([p0, p1]) => [
        at(dxs, p0 * period),
        at(xs, p0 * period),
        at(dys, p0 * period),
        table.byteOffset,
        p1 - p0,
        vectors,
      ]),
      threads,
    );
    // The rest in the same float32 steps as a lane.
    for (let i = periods * period, j = 0; i < size; i++, j = j + 1 === c ? 0 : j + 1) {
      const centred = f(f((xs[i] as number) - (params.mean[j] as number)) * (k.k2[j] as number));
      dxs[i] = f(f(centred + f((dys[i] as number) * (k.k1[j] as number))) + (k.k3[j] as number));
    }
    return { dScale: k.dScale, dOffset: k.dOffset };
  } finally {
    (backend as { disposeData(id: object): void }).disposeData(scratch.dataId);
  }
}

/** Tests compare the two paths: this makes the wasm kernel take the JavaScript loop. */
let plainLoop = false;
export function usePlainBatchNormGrad(plain: boolean): void {
  plainLoop = plain;
}

function inputsOf(inputs: Record<string, TensorInfo | undefined>) {
  const { x, dy, mean, variance, scale } = inputs;
  if (
    x === undefined ||
    dy === undefined ||
    mean === undefined ||
    variance === undefined ||
    scale === undefined
  ) {
    throw new Error('The batch normalization gradient needs x, dy, mean, variance and scale.');
  }
  const c = x.shape.at(-1) ?? 0;
  for (const t of [x, dy, mean, variance, scale]) {
    if (t.dtype !== 'float32') {
      throw new Error(`The batch normalization gradient needs float32 tensors; got ${t.dtype}.`);
    }
  }
  const length = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
  if (
    dy.shape.join() !== x.shape.join() ||
    [mean, variance, scale].some((t) => length(t) !== c) ||
    c === 0
  ) {
    throw new Error(
      `The batch normalization gradient needs dy of x's shape [${x.shape.join(', ')}] and a mean, variance and scale of its ${c} channels; got dy [${dy.shape.join(', ')}], mean [${mean.shape.join(', ')}], variance [${variance.shape.join(', ')}], scale [${scale.shape.join(', ')}].`,
    );
  }
  return { x, dy, mean, variance, scale };
}

const batchNormGradWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy, mean, variance, scale } = inputsOf(inputs);
  const epsilon = (attrs as unknown as BatchNormGradAttrs).varianceEpsilon;
  const heap = backend as unknown as HeapBackend;
  const dx = heap.makeOutput([...x.shape], 'float32');
  const dScaleInfo = heap.makeOutput([...scale.shape], 'float32');
  const dOffsetInfo = heap.makeOutput([...scale.shape], 'float32');
  // Copies of the small parameters: the heap may grow while the passes allocate their scratch.
  const copyOf = (t: TensorInfo) => heap.typedArrayFromHeap(t).slice();
  const params = {
    mean: copyOf(mean),
    variance: copyOf(variance),
    scale: copyOf(scale),
    epsilon,
  };
  const simd = plainLoop ? false : batchNormGradSimd(backend, heap, { x, dy, dx }, params);
  const grads =
    simd === false
      ? batchNormGradPlain(
          heap.typedArrayFromHeap(x),
          heap.typedArrayFromHeap(dy),
          params.mean,
          params.variance,
          params.scale,
          epsilon,
          heap.typedArrayFromHeap(dx),
        )
      : simd;
  heap.typedArrayFromHeap(dScaleInfo).set(grads.dScale);
  heap.typedArrayFromHeap(dOffsetInfo).set(grads.dOffset);
  return [dx, dScaleInfo, dOffsetInfo];
};

/** Whether the running wasm backend takes the SIMD passes (for tests and the backend line). */
export function wasmBatchNormGradIsSimd(): boolean {
  const memory = backendMemory(tf.findBackend('wasm'));
  return (
    !plainLoop &&
    memory !== undefined &&
    sumsFor(memory) !== undefined &&
    dxFor(memory) !== undefined
  );
}

/** Registers the engine's BatchNormalization gradient on the wasm backend. Later calls do nothing. */
export function registerWasmBatchNormGrad(): void {
  if (tf.getKernel(BATCH_NORM_GRAD, 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: BATCH_NORM_GRAD,
      backendName: 'wasm',
      kernelFunc: batchNormGradWasm,
    });
  }
  declareEngineKernel(BATCH_NORM_GRAD, () =>
    wasmBatchNormGradIsSimd() ? 'WebAssembly' : 'JavaScript',
  );
}
