// tfjs-backend-wasm 4.22 does have a `Conv2DBackpropInput` kernel, but it is a plain C++ loop
// beside XNNPACK. At batch 32 it took 94-123 ms for x [32, 64, 64, 3] → 32 filters 3x3 'same' and
// 497-515 ms for x [32, 32, 32, 32] → 64 filters 3x3 'same', where the forward convolutions take
// 9 ms and 42 ms, and it was the largest kernel in a training step of the reference model. This
// replaces it with the wasm backend's own XNNPACK Conv2D plus a few cheap reshuffles: 21-24 ms
// and 41-42 ms for the same two layers (median of 5, one thread, Node 20, 2-core build machine);
// the reference model trains at about 24 samples/s instead of 17. The results agree with the
// stock kernel bit for bit in those cases. Drop this if tfjs-backend-wasm moves its own kernel
// onto XNNPACK. The Conv2D it runs is the registered one, so where conv2d.ts takes a shape to the
// engine's SIMD product, the input gradient's convolution goes there too.
//
// The input gradient of a forward convolution with stride s and top padding t is
//   dX[r] = Σ_{o, i : o·s + i = r + t} dY[o] · W[i]   (per axis, summed over C_out),
// a "full" convolution of dY with the filter rotated 180° and its channels swapped. For s = 1 that
// is one stride-1 Conv2D over dY with padding k − 1 − t. For s > 1, rather than spreading dY out
// with s − 1 zeros between rows (s² times the work, mostly multiplying zeros: measured about as
// slow as the stock kernel at stride 3 and 1.3-1.5x slower at stride 4), split dX by phase: the
// rows with (r + t) mod s = φ only ever meet filter rows φ, φ + s, φ + 2s, … So one stride-1
// Conv2D over dY with a filter of ceil(k/s) taps and s_h·s_w·C_in output channels (a group per
// phase) gives every phase at once, and interleaving the phases back into rows is a reshape
// (columns) and one transpose (rows). This is the sub-pixel form of a transposed convolution, and
// stride 1 is just its one-phase case, so there is one code path. It beat the stock kernel in
// every strided case measured (2-6x at strides 2-5 with kernels 1-7; equal for a 1x1 kernel at
// stride 4), so there is no fallback to the stock kernel.
//
// Padding: the conv's own zero padding replaces the forward padding, and the whole blocks of the
// forward padding are taken off it, so for stride 1 with a pad no larger than k − 1 (every
// 'same'/'valid' case) the result is exactly dX with nothing to cut. What remains — a forward pad
// that is not a multiple of the stride, a pad beyond the kernel, or the rows a stride skipped at
// the bottom/right of x (those get zero gradient, and the conv pads past dY to reach them) — is
// a Slice of the interleaved result. The number of windows comes from dy's own shape rather than
// from computeConv2DInfo, for the same reason as in conv2d-backprop-filter.ts.
import { tf } from '../../tf.ts';
import { backendMemory } from '../emit.ts';
import { engineThreads } from '../parallel.ts';
import { conv2DProductMode } from './conv2d.ts';
import { gemmRuns, runGemm } from './gemm.ts';
import { replaceStockKernel, runWasmKernel, shape4, type HeapBackend } from './kernel-helpers.ts';
import type {
  Conv2DBackpropInputAttrs,
  KernelBackend,
  KernelFunc,
  NamedAttrMap,
  TensorInfo,
} from '@tensorflow/tfjs';

const OWNER = 'Conv2DBackpropInput';

/**
 * How one spatial axis is laid out. The conv over dy gives `blocks` rows per phase; interleaved
 * they are `blocks · stride` rows, of which dx is the `inSize` starting at `offset`.
 */
interface AxisPlan {
  /** Taps per phase: ceil(kernel / stride). */
  taps: number;
  padBefore: number;
  padAfter: number;
  blocks: number;
  offset: number;
}

function planAxis(
  inSize: number,
  outSize: number,
  kernel: number,
  stride: number,
  forwardPad: number,
): AxisPlan {
  const taps = Math.ceil(kernel / stride);
  // Whole blocks of the forward padding drop out of the conv's own padding; what is left over
  // (nonzero only for strides > 1 or a pad beyond the kernel) is sliced off the result.
  const shift = Math.min(Math.floor(forwardPad / stride), taps - 1);
  const offset = forwardPad - shift * stride;
  const blocks = Math.max(outSize - shift, Math.ceil((offset + inSize) / stride));
  return { taps, padBefore: taps - 1 - shift, padAfter: blocks - outSize + shift, blocks, offset };
}

const conv2DBackpropInputWasm: KernelFunc = (args) => {
  const { inputs, attrs, backend: anyBackend } = args;
  const backend = anyBackend as KernelBackend;
  const { dy, filter } = inputs;
  if (dy === undefined || filter === undefined) {
    throw new Error('Conv2DBackpropInput needs the inputs dy and filter.');
  }
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  if (dataFormat !== 'NHWC') {
    throw new Error(
      `Conv2DBackpropInput on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'.`,
    );
  }
  const xShape = shape4(OWNER, inputShape, 'input shape');
  const [kh, kw, inChannels, outChannels] = shape4(OWNER, filter.shape, 'filter');
  const [batch, outHeight, outWidth] = shape4(OWNER, dy.shape, 'gradient dy');
  if (inChannels !== xShape[3] || outChannels !== dy.shape[3] || batch !== xShape[0]) {
    throw new Error(
      `Conv2DBackpropInput got dy of shape [${dy.shape.join(', ')}] and a filter of shape ` +
        `[${filter.shape.join(', ')}], which do not fit the input shape [${xShape.join(', ')}].`,
    );
  }
  if (xShape.some((d) => d === 0) || outHeight === 0 || outWidth === 0 || outChannels === 0) {
    return runWasmKernel(OWNER, 'Fill', {}, { shape: xShape, value: 0, dtype: 'float32' }, backend);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    [kh, kw, inChannels, outChannels],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inHeight, inWidth, strideHeight: sh, strideWidth: sw } = info;
  if (sh > 1 || sw > 1) {
    const phased = phaseProducts(backend, dy, filter, {
      batch,
      inHeight,
      inWidth,
      inChannels,
      outHeight,
      outWidth,
      outChannels,
      kh,
      kw,
      sh,
      sw,
      top: info.padInfo.top,
      left: info.padInfo.left,
    });
    if (phased !== undefined) return phased;
  }
  const rows = planAxis(inHeight, outHeight, kh, sh, info.padInfo.top);
  const cols = planAxis(inWidth, outWidth, kw, sw, info.padInfo.left);

  const temporaries: TensorInfo[] = [];
  const run = (
    name: string,
    kernelInputs: Record<string, TensorInfo>,
    kernelAttrs: NamedAttrMap,
  ): TensorInfo => {
    const t = runWasmKernel(OWNER, name, kernelInputs, kernelAttrs, backend);
    temporaries.push(t);
    return t;
  };
  try {
    // filter [kh, kw, C_in, C_out] → [taps_h, taps_w, C_out, sh·sw·C_in]: tap m of phase φ is
    // filter row φ + m·s (zero past the kernel), taps reversed, channels swapped.
    let w = filter;
    if (rows.taps * sh !== kh || cols.taps * sw !== kw) {
      const paddings = [
        [0, rows.taps * sh - kh],
        [0, cols.taps * sw - kw],
        [0, 0],
        [0, 0],
      ];
      w = run('PadV2', { x: w }, { paddings, constantValue: 0 });
    }
    w = run(
      'Reshape',
      { x: w },
      { shape: [rows.taps, sh, cols.taps, sw, inChannels, outChannels] },
    );
    w = run('Transpose', { x: w }, { perm: [0, 2, 5, 1, 3, 4] });
    w = run(
      'Reshape',
      { x: w },
      { shape: [rows.taps, cols.taps, outChannels, sh * sw * inChannels] },
    );
    w = run('Reverse', { x: w }, { dims: [0, 1] });
    const convPad = [
      [0, 0],
      [rows.padBefore, rows.padAfter],
      [cols.padBefore, cols.padAfter],
      [0, 0],
    ];
    // [B, blocks_h, blocks_w, (φ_h, φ_w, C_in)]
    let phases = run(
      'Conv2D',
      { x: dy, filter: w },
      { strides: [1, 1], pad: convPad, dataFormat: 'NHWC', dilations: [1, 1] },
    );
    if (sh > 1) {
      // Interleave the row phases; the column phases already sit side by side in memory.
      phases = run(
        'Reshape',
        { x: phases },
        { shape: [batch * rows.blocks, cols.blocks, sh, sw * inChannels] },
      );
      phases = run('Transpose', { x: phases }, { perm: [0, 2, 1, 3] });
    }
    const spanned = [batch, rows.blocks * sh, cols.blocks * sw, inChannels];
    if (
      rows.offset === 0 &&
      cols.offset === 0 &&
      spanned[1] === inHeight &&
      spanned[2] === inWidth
    ) {
      return runWasmKernel(OWNER, 'Reshape', { x: phases }, { shape: xShape }, backend);
    }
    return runWasmKernel(
      OWNER,
      'Slice',
      { x: run('Reshape', { x: phases }, { shape: spanned }) },
      { begin: [0, rows.offset, cols.offset, 0], size: xShape },
      backend,
    );
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
};

interface Strided {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/**
 * A strided input gradient as one SIMD product (`gemm.ts`) per phase, each over that phase's own
 * taps, written straight to its rows and columns of dX: none of the zero taps the sub-pixel
 * Conv2D multiplies (16 taps for 9 with a 3×3 kernel at stride 2) and no interleaving transpose.
 * digits-scenes-detect's two strided layers at batch 32 went from 17.3 and 11.9 ms to 4.8 and
 * 5.6 ms on two threads (3.3-4.9 → 9.6-17.5 GMAC/s; main/bench/conv-layers-bench.ts, 7 December
 * 2026, machine under other load).
 * With R = r + top = sh·Q + φ, dX row r of phase φ sums dY rows Q − m against filter rows φ + m·sh
 * (m < ceil((kh − φ)/sh)), and likewise for columns, then over C_out:
 *   dX[b, r, c, ci] = Σ_m Σ_t Σ_co dYp[b, Q − m + Pt, X − t + Pl, co] · Wt[φh + m·sh, φw + t·sw, co, ci]
 * with dY padded by Pt = ceil(kh/sh) − 1 rows above (and Pl columns left) so that every term reads
 * a real value or a zero, and the filter transposed to [kh, kw, C_out, C_in] so that C_in lies
 * along the product's vector lanes. A group is one padded dY row q = Q + Pt of the whole batch,
 * its pixels X the product's rows; it writes a grid of sh·q + φh rows and sw·(X + Pl) + φw
 * columns, every element by one thread in the order above, and dX is the grid's window at
 * (top + sh·Pt, left + sw·Pl). Undefined where a phase has no tap (a kernel smaller than the
 * stride) or dy holds rows past any dX row (explicit pads beyond the kernel): the Conv2D path
 * then runs.
 */
function phaseProducts(
  backend: KernelBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  g: Strided,
): TensorInfo | undefined {
  const memory = backendMemory(backend);
  if (
    memory === undefined ||
    conv2DProductMode() === 'off' ||
    dy.dtype !== 'float32' ||
    filter.dtype !== 'float32' ||
    g.kh < g.sh ||
    g.kw < g.sw ||
    !gemmRuns(memory)
  ) {
    return undefined;
  }
  const padTop = Math.ceil(g.kh / g.sh) - 1;
  const padLeft = Math.ceil(g.kw / g.sw) - 1;
  // The last phase blocks any dX row or column reaches.
  const lastRow = Math.floor((g.top + g.inHeight - 1) / g.sh);
  const lastCol = Math.floor((g.left + g.inWidth - 1) / g.sw);
  const padBottom = lastRow + 1 - g.outHeight;
  const padRight = lastCol + 1 - g.outWidth;
  if (padBottom < 0 || padRight < 0) return undefined;
  const rows = padTop + lastRow + 1;
  const cols = padLeft + lastCol + 1;
  const temporaries: TensorInfo[] = [];
  try {
    const padded = runWasmKernel(
      OWNER,
      'PadV2',
      { x: dy },
      {
        paddings: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
        constantValue: 0,
      },
      backend,
    );
    temporaries.push(padded);
    const wt = runWasmKernel(OWNER, 'Transpose', { x: filter }, { perm: [0, 1, 3, 2] }, backend);
    temporaries.push(wt);
    const heap = backend as unknown as HeapBackend;
    const gridShape = [g.batch, g.sh * rows, g.sw * cols, g.inChannels];
    const grid = heap.makeOutput(gridShape, 'float32');
    temporaries.push(grid);
    const [a, b, c] = [padded, wt, grid].map((t) => heap.typedArrayFromHeap(t).byteOffset) as [
      number,
      number,
      number,
    ];
    const dyPixel = g.outChannels * 4;
    const dxPixel = g.inChannels * 4;
    const gridRow = g.sw * cols * dxPixel;
    const filterTap = g.outChannels * g.inChannels * 4;
    for (let ph = 0; ph < g.sh; ph++) {
      for (let pw = 0; pw < g.sw; pw++) {
        runGemm(
          memory,
          {
            a: a + (padTop * cols + padLeft) * dyPixel,
            b: b + (ph * g.kw + pw) * filterTap,
            c: c + (g.sh * padTop + ph) * gridRow + (g.sw * padLeft + pw) * dxPixel,
            ldc: g.sw * dxPixel,
            ams: dyPixel,
            m: lastCol + 1,
            n: g.inChannels,
            nb: Math.ceil((g.kh - ph) / g.sh),
            sbA: -cols * dyPixel,
            sbB: g.sh * g.kw * filterTap,
            ny: Math.ceil((g.kw - pw) / g.sw),
            syA: -dyPixel,
            syB: g.sw * filterTap,
            nx: g.outChannels,
            sxA: 4,
            sxB: dxPixel,
            accumulate: false,
            ng: g.batch * rows - padTop,
            sgA: cols * dyPixel,
            sgC: g.sh * gridRow,
          },
          engineThreads(backend),
          'rows',
        );
      }
    }
    return runWasmKernel(
      OWNER,
      'Slice',
      { x: grid },
      {
        begin: [0, g.top + g.sh * padTop, g.left + g.sw * padLeft, 0],
        size: [g.batch, g.inHeight, g.inWidth, g.inChannels],
      },
      backend,
    );
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

/**
 * Replaces the wasm backend's `Conv2DBackpropInput` kernel with one built from its XNNPACK
 * convolution. Safe to call more than once; later calls do nothing.
 */
export function registerWasmConv2DBackpropInput(): void {
  replaceStockKernel('Conv2DBackpropInput', conv2DBackpropInputWasm, 'optional', 'WebAssembly');
}
