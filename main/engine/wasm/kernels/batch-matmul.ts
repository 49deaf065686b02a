// tfjs-backend-wasm 4.22's `BatchMatMul` runs XNNPACK only for a plain product of two single
// matrices; with `transposeA` or `transposeB` set (or a batch) it falls back to a blocked C++ loop
// that strides through memory. Every Dense layer's backward pass sets a flag — dX = dY·Wᵀ and
// dW = Xᵀ·dY — so in a training step of the reference model (batch 32, Dense 128 and 256 on a
// 16384-wide Flatten) those four products took ~800 of ~1405 ms. This replaces the kernel with one
// that, when a flag is set and both operands are single matrices, makes the product a plain one
// with the wasm `Transpose` kernel and hands it to the stock kernel's XNNPACK path.
//
// Which operands to transpose: C = op(A)·op(B) = (op(B)ᵀ·op(A)ᵀ)ᵀ, so the product can be made
// plain either by transposing the flagged operands, or the unflagged ones plus the result. The
// cheaper one moves fewer elements, counting that XNNPACK also repacks the second operand as
// weights on every call (it caches the packing by tensor id, and training makes new weights and
// new dY every step). For dX = dY·Wᵀ that means transposing the small dY and dX rather than W:
// measured 9 ms against 29 ms for transposing W at Dense 128. Batched products are left alone:
// the stock loop runs for them either way, and the transposes did not help reliably (±0.1 ms at
// [8, 64, 64]; at [4, 256, 256] 84 → 65 ms for Aᵀ·B but 65 → 101 ms for Aᵀ·Bᵀ). Below 32³
// multiply-adds the two extra kernels cost as much as they save (0.02-0.05 ms either way).
//
// Median ms of 7 on fresh tensors, one thread, Node 20, 2-core build machine (shared, ±20%):
//   product                 stock  transpose flagged  this kernel
//   [32,128]·[16384,128]ᵀ      69                 29            9
//   [32,16384]ᵀ·[32,128]      179                 14           11
//   [32,256]·[16384,256]ᵀ     216                 82           17
//   [32,16384]ᵀ·[32,256]      368                 21           18
//   [256,32]ᵀ·[16384,256]ᵀ    143                 86           19
//   [256,256]ᵀ·[256,256]ᵀ      19                2.7          2.1
//   [32,10]·[128,10]ᵀ        0.10               0.07         0.08
//   [1,32,4]·[1,256,4]ᵀ      0.18               0.08         0.08
// In the reference model's training step the four backward products now take ~37 ms, and
// `train --limit 200` runs at 46-58 samples/s instead of 23-25. tfjs-core's matMul passes
// tensors as they are: the relu Dense layers (unfused while taping) give rank 2, the linear heads'
// fused gradient gives rank 3 with a batch of 1; both count as single matrices here.
// `_FusedMatMul` is not replaced: tfjs-layers' Dense calls it with both flags false and its
// gradient goes through `BatchMatMul`, so training never runs it with a flag. Drop this part if
// tfjs-backend-wasm routes transposed products to XNNPACK itself.
//
// Before any of that, products with a long sum go to the engine's SIMD product (`simdMatMul`
// below), in `BatchMatMul` and in `_FusedMatMul` alike, so training and inference take one path;
// and so do flagged products of a million multiply-adds or more with one side of 64 or less,
// which includes the four backward products of the reference model above. The weight gradient
// Xᵀ·dY reads X transposed where it lies and writes dW (4M values at Dense 256) in panels of rows,
// each written once; the input gradient dY·Wᵀ runs as (W·dYᵀ)ᵀ with its result written
// transposed, straight into dX, so only dY (8K values) is transposed, never W. Both split their
// rows over the threads. Fastest ms of 15, two alternated rounds, same machine under load:
//   product                 XNNPACK, 1 thread  SIMD  XNNPACK, 2 threads  SIMD
//   [32,16384]ᵀ·[32,256]                 18.4  17.9                 9.7   7.4
//   [32,256]·[16384,256]ᵀ                22.2  11.9                13.8   6.1
//   [32,16384]ᵀ·[32,128]                 10.0   8.1                 5.8   3.8
//   [32,128]·[16384,128]ᵀ                13.7   6.1                 9.8   3.3
// The weight gradient gains least: with a sum of 32 a tile spends much of its time starting and
// storing (~7.5 GMAC/s on one thread against ~11 for the others).
import { tf } from '../../tf.ts';
import { backendMemory } from '../emit.ts';
import { gemmRuns, runMatMul } from './gemm.ts';
import {
  replaceStockKernel,
  runWasmKernel,
  stockKernel,
  type HeapBackend,
} from './kernel-helpers.ts';
import { engineThreads } from '../parallel.ts';
import type {
  BatchMatMulAttrs,
  KernelBackend,
  KernelFunc,
  NamedAttrMap,
  TensorInfo,
} from '@tensorflow/tfjs';

const OWNER = 'BatchMatMul';

/** Below this many multiply-adds the stock loop is as fast as two extra kernels (≤ 0.03 ms). */
const MIN_MULTIPLY_ADDS = 32 * 32 * 32;

function runStock(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  backend: KernelBackend,
): TensorInfo {
  // The wasm backend's own kernel: every product ends up there.
  const out = stockKernel(OWNER).kernelFunc({
    inputs: { a, b },
    attrs: { transposeA, transposeB },
    backend,
  });
  if (Array.isArray(out)) {
    throw new Error(
      "The wasm kernel 'BatchMatMul' returned several tensors where one was expected.",
    );
  }
  return out;
}

const size = (t: TensorInfo): number => tf.util.sizeFromShape(t.shape);

/** The product of the dimensions before the last two: the stock kernel's batch. */
const batchOf = (t: TensorInfo): number => tf.util.sizeFromShape(t.shape.slice(0, -2));

/**
 * Products with a long sum (K ≥ SIMD_MIN_K) of at most SIMD_MAX_M rows (beyond that XNNPACK's
 * packing pays for itself) and no transposed B run as the engine's SIMD product (`gemm.ts`)
 * instead of XNNPACK: the forward Dense over a wide Flatten ([32, 16384]·[16384, 256]) took
 * ~100 ms in XNNPACK, ~12 ms there on one thread.
 */
const SIMD_MIN_K = 256;
const SIMD_MAX_M = 64;

/**
 * Products with a flag set, at least this many multiply-adds and one side no longer than a batch
 * (SIMD_MAX_M; larger ones were not measured and keep XNNPACK) run as the SIMD product too: a
 * Dense layer's weight gradient Xᵀ·dY as it is (A read transposed where it lies, C written in
 * panels of rows), its input gradient dY·Wᵀ as (W·dYᵀ)ᵀ written transposed into dX, with only
 * the small dY transposed, never W. The comment at the top has what each took.
 */
const SIMD_MIN_FLAGGED = 1 << 20;

/** Columns of the SIMD product's result below which its tiles are not vectors. */
const SIMD_MIN_COLUMNS = 8;

/** The last two dimensions swapped by the wasm `Transpose` kernel. */
function swapLastTwo(x: TensorInfo, backend: KernelBackend): TensorInfo {
  const r = x.shape.length;
  const perm = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
  return runWasmKernel(OWNER, 'Transpose', { x }, { perm }, backend);
}

/**
 * op(a)·op(b) for single float32 matrices (any leading dimensions of size 1) through the SIMD
 * product, or undefined where it does not apply or cannot run here.
 */
function simdMatMul(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  backend: KernelBackend,
): TensorInfo | undefined {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || batchOf(a) !== 1 || batchOf(b) !== 1) {
    return undefined;
  }
  const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) ?? 0;
  const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) ?? 0;
  const kb = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) ?? 0;
  const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) ?? 0;
  if (k !== kb || m === 0 || n === 0 || k === 0) return undefined;
  const longSum = !transposeB && k >= SIMD_MIN_K && m <= SIMD_MAX_M;
  const flagged =
    (transposeA || transposeB) &&
    m * n * k >= SIMD_MIN_FLAGGED &&
    Math.min(m, n, k) <= SIMD_MAX_M &&
    (transposeB ? m : n) >= SIMD_MIN_COLUMNS;
  if (!longSum && !flagged) return undefined;
  const memory = backendMemory(backend);
  if (memory === undefined || !gemmRuns(memory)) return undefined;
  const heap = backend as unknown as HeapBackend;
  const ones = Array<number>(Math.max(ra, rb) - 2).fill(1);
  const at = (t: TensorInfo) => heap.typedArrayFromHeap(t).byteOffset;
  const threads = engineThreads(backend);
  if (!transposeB) {
    const out = heap.makeOutput([...ones, m, n], 'float32');
    if (!runMatMul(memory, { a: at(a), b: at(b), c: at(out), m, k, n, transposeA }, threads)) {
      backend.disposeData(out.dataId);
      return undefined;
    }
    return out;
  }
  // op(A)·Bᵀ = (B·op(A)ᵀ)ᵀ: B as it lies ([n, k]) times op(A)ᵀ ([k, m], which A is when
  // transposed), its [n, m] result written transposed, straight into C.
  const aT = transposeA ? a : swapLastTwo(a, backend);
  const out = heap.makeOutput([...ones, m, n], 'float32');
  const call = { a: at(b), b: at(aT), c: at(out), m: n, k, n: m, transposeA: false };
  const ran = runMatMul(memory, { ...call, transposeC: true }, threads);
  if (aT !== a) backend.disposeData(aT.dataId);
  if (ran) return out;
  backend.disposeData(out.dataId);
  return undefined;
}

/** Elements a plain product of x and y moves: the flagged operands, then y packed as weights. */
const plainCost = (x: TensorInfo, y: TensorInfo, tx: boolean, ty: boolean): number =>
  (tx ? size(x) : 0) + (ty ? size(y) : 0) + size(y);

const batchMatMulWasm: KernelFunc = ({ inputs, attrs, backend: anyBackend }) => {
  const backend = anyBackend as KernelBackend;
  const { a, b } = inputs;
  if (a === undefined || b === undefined) {
    throw new Error('BatchMatMul needs the inputs a and b.');
  }
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  const simd = simdMatMul(a, b, transposeA, transposeB, backend);
  if (simd !== undefined) return simd;
  const ra = a.shape.length;
  const rb = b.shape.length;
  // The stock kernel keeps every case it already serves well, and every case it rejects (its
  // own error messages name them): no flag, batched products (its loop runs either way; the
  // transposes did not help reliably), other dtypes, mismatched or empty shapes, tiny products.
  if ((!transposeA && !transposeB) || ra < 2 || rb < 2) {
    return runStock(a, b, transposeA, transposeB, backend);
  }
  const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) ?? 0;
  const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) ?? 0;
  const kb = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) ?? 0;
  const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) ?? 0;
  if (
    a.dtype !== 'float32' ||
    b.dtype !== 'float32' ||
    k !== kb ||
    batchOf(a) !== 1 ||
    batchOf(b) !== 1 ||
    m * n * k < MIN_MULTIPLY_ADDS
  ) {
    return runStock(a, b, transposeA, transposeB, backend);
  }

  const temporaries: TensorInfo[] = [];
  const transposed = (x: TensorInfo): TensorInfo => {
    const t = swapLastTwo(x, backend);
    temporaries.push(t);
    return t;
  };
  /** op(x)·op(y) with the flagged operands transposed first, so XNNPACK runs it. */
  const plain = (x: TensorInfo, y: TensorInfo, tx: boolean, ty: boolean): TensorInfo =>
    runStock(tx ? transposed(x) : x, ty ? transposed(y) : y, false, false, backend);
  try {
    const direct = plainCost(a, b, transposeA, transposeB);
    const swapped = plainCost(b, a, !transposeB, !transposeA) + m * n;
    if (direct <= swapped) return plain(a, b, transposeA, transposeB);
    const productT = plain(b, a, !transposeB, !transposeA);
    temporaries.push(productT);
    return swapLastTwo(productT, backend);
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
};

/**
 * Replaces the wasm backend's `BatchMatMul` kernel with one that moves transposed products onto
 * XNNPACK. Safe to call more than once; later calls do nothing.
 */
export function registerWasmBatchMatMul(): void {
  replaceStockKernel(OWNER, batchMatMulWasm, 'needed', 'WebAssembly');
  replaceStockKernel(FUSED_OWNER, fusedMatMulWasm, 'needed', 'WebAssembly');
}

/** The activations `_FusedMatMul` may apply, as the wasm kernels that apply them. */
const ACTIVATIONS: Record<string, string | undefined> = {
  relu: 'Relu',
  relu6: 'Relu6',
  sigmoid: 'Sigmoid',
  elu: 'Elu',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
};

const FUSED_OWNER = '_FusedMatMul';

/**
 * `_FusedMatMul` (every Dense layer outside a gradient tape: validation, test, the gallery): the
 * long-sum products as above, then the bias and the activation with the backend's own kernels.
 */
const fusedMatMulWasm: KernelFunc = (args) => {
  const { inputs, attrs, backend: anyBackend } = args;
  const backend = anyBackend as KernelBackend;
  const stockFused = stockKernel(FUSED_OWNER);
  const { a, b, bias, preluActivationWeights } = inputs;
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as {
    transposeA: boolean;
    transposeB: boolean;
    activation: string;
    leakyreluAlpha?: number;
  };
  const applied = ACTIVATIONS[activation];
  if (
    a === undefined ||
    b === undefined ||
    (activation !== 'linear' && applied === undefined) ||
    (bias !== undefined && bias.dtype !== 'float32')
  ) {
    return stockFused.kernelFunc(args);
  }
  const product = simdMatMul(a, b, transposeA, transposeB, backend);
  if (product === undefined) return stockFused.kernelFunc(args);
  let out = product;
  const replace = (next: TensorInfo) => {
    backend.disposeData(out.dataId);
    out = next;
  };
  if (bias !== undefined)
    replace(runWasmKernel(FUSED_OWNER, 'Add', { a: out, b: bias }, {}, backend));
  if (applied === 'Prelu') {
    if (preluActivationWeights === undefined)
      throw new Error('A prelu activation needs its weights.');
    replace(
      runWasmKernel(FUSED_OWNER, 'Prelu', { x: out, alpha: preluActivationWeights }, {}, backend),
    );
  } else if (applied !== undefined) {
    const extra: NamedAttrMap = applied === 'LeakyRelu' ? { alpha: leakyreluAlpha ?? 0.2 } : {};
    replace(runWasmKernel(FUSED_OWNER, applied, { x: out }, extra, backend));
  }
  return out;
};
