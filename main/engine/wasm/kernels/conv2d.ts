// A convolution as the engine's SIMD product (`gemm.ts`) over the zero-padded input, in place of
// the wasm backend's XNNPACK Conv2D for the shapes where it measured faster (productWins). That
// covers forward layers and input gradients alike: conv2d-backprop-input.ts runs its work as one
// stride-1 Conv2D over dy, which comes here.
//
// Stride 1: with the input padded to [B, Hp, Wp, C_in] (Hp = H_out + kh − 1, Wp = W_out + kw − 1),
// output pixel (b, y, x) reads its window from padded pixel p = (b·Hp + y)·Wp + x onwards, so over
// the padded grid the convolution is one matrix product with a pixel per row:
//   O[p, co] = Σ_{i<kh} Σ_{t<kw·C_in} Xp[(p + i·Wp)·C_in + t] · W[i, t, co]
// (for a filter row i the window's (j, ci) pairs lie side by side in Xp). The rows p with
// x ≥ W_out or y ≥ H_out are wasted work that lands in the padding of an output laid out like the
// input, and a Slice takes the result out of it; the rows past the last real pixel are not
// computed, so no window reads past the padded input. Strided: one product per output row (the
// product's groups), its pixels sw·C_in apart, over an input padded so that output row r of the
// whole batch starts at input row r·sh. Threads split the pixels or the output rows; every output
// is summed by one thread in the order above, so 1 and 2 threads give the same bits.
//
// Measured per layer on the four templates' convolutions at batch 32 (main/bench/conv-layers-
// bench.ts, fastest of 5-8, 2-core machine under other load, 7 December 2026; README, Speed): on
// one thread the product runs 10-12 GMAC/s where XNNPACK's Conv2D runs 8.3-9.1 and its input
// gradient (the rearranged form) 6-6.4, so input gradients take 1.3-1.7× less time. On two threads
// XNNPACK scales well (16-18 GMAC/s, near the ~20 the two cores give the product's tiles) and the
// product gains 1.15-1.35× on large layers only: [32, 64, 64, 32] → 16 and [32, 32, 32, 64] → 32
// at 19-19.7 GMAC/s against 16.6, the U-Net's 2×2 stride-2 conv 22 against 16. It lost on small
// images (the padded 8×8 to 24×24 grids hold 15-36 % more pixels: 12.8-15 against 17.4-17.9), on
// three or one input channels (a sum of 9 or 3 terms per filter row: 0.8-5.7 against 6.3-8.2) and
// on stride 2 with 16 input channels (9.8 against 15.6), so XNNPACK keeps those.
import { tf } from '../../tf.ts';
import { backendMemory } from '../emit.ts';
import { engineThreads } from '../parallel.ts';
import { gemmRuns, runGemm, type GemmCall } from './gemm.ts';
import {
  replaceStockKernel,
  runWasmKernel,
  shape4,
  stockKernel,
  type HeapBackend,
} from './kernel-helpers.ts';
import type { Conv2DAttrs, KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

const OWNER = 'Conv2D';

/**
 * 'auto': the product where it beat XNNPACK (productWins); 'always' wherever it can run (tests
 * hold it to every shape); 'off': XNNPACK everywhere (the bench's baseline).
 */
export type Conv2DProductMode = 'auto' | 'always' | 'off';
let productMode: Conv2DProductMode = 'auto';
export function useConv2DProduct(mode: Conv2DProductMode): void {
  productMode = mode;
}
export const conv2DProductMode = (): Conv2DProductMode => productMode;

const isOne = (v: number | [number, number] | undefined) =>
  v === undefined || (Array.isArray(v) ? v[0] === 1 && v[1] === 1 : v === 1);

const conv2DWasm: KernelFunc = (args) => {
  const { inputs, attrs, backend: anyBackend } = args;
  const backend = anyBackend as KernelBackend;
  const { x, filter } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
  const memory = backendMemory(backend);
  if (
    productMode === 'off' ||
    x === undefined ||
    filter === undefined ||
    x.dtype !== 'float32' ||
    filter.dtype !== 'float32' ||
    dataFormat !== 'NHWC' ||
    !isOne(dilations) ||
    memory === undefined ||
    !gemmRuns(memory)
  ) {
    return stockKernel(OWNER).kernelFunc(args);
  }
  const xShape = shape4(OWNER, x.shape, 'input x');
  const [kh, kw, inChannels, outChannels] = shape4(OWNER, filter.shape, 'filter');
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
  const [batch, inHeight, inWidth] = xShape;
  const { outHeight, outWidth, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  if (batch === 0 || outHeight <= 0 || outWidth <= 0 || inChannels === 0 || outChannels === 0) {
    return stockKernel(OWNER).kernelFunc(args);
  }
  const plan = planOf(
    { batch, inHeight, inWidth, outHeight, outWidth, kh, kw, sh, sw, top, left },
    inChannels,
    outChannels,
  );
  if (
    plan === undefined ||
    (productMode === 'auto' && !productWins(plan, inChannels, outChannels, outHeight * outWidth))
  ) {
    return stockKernel(OWNER).kernelFunc(args);
  }

  const temporaries: TensorInfo[] = [];
  try {
    const { bottom, right } = plan;
    const padded =
      top > 0 || left > 0 || bottom > 0 || right > 0
        ? runWasmKernel(
            OWNER,
            'PadV2',
            { x },
            {
              paddings: [
                [0, 0],
                [top, bottom],
                [left, right],
                [0, 0],
              ],
              constantValue: 0,
            },
            backend,
          )
        : x;
    if (padded !== x) temporaries.push(padded);
    const heap = backend as unknown as HeapBackend;
    const grid = heap.makeOutput(plan.gridShape, 'float32');
    if (!plan.exact) temporaries.push(grid);
    const [xp, w, out] = [padded, filter, grid].map(
      (t) => heap.typedArrayFromHeap(t).byteOffset,
    ) as [number, number, number];
    runGemm(memory, { ...plan.call, a: xp, b: w, c: out }, engineThreads(backend), 'rows');
    if (plan.exact) return grid;
    return runWasmKernel(
      OWNER,
      'Slice',
      { x: grid },
      { begin: [0, 0, 0, 0], size: [batch, outHeight, outWidth, outChannels] },
      backend,
    );
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
};

interface Geometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/** The padding, the output grid the product writes and the product itself (operands left 0). */
interface Plan {
  bottom: number;
  right: number;
  gridShape: [number, number, number, number];
  /** The grid is the result: nothing to slice off. */
  exact: boolean;
  call: GemmCall;
}

function planOf(g: Geometry, inChannels: number, outChannels: number): Plan | undefined {
  const pixelBytes = inChannels * 4;
  const filterRow = {
    ny: g.kh,
    syB: g.kw * inChannels * outChannels * 4,
    nx: g.kw * inChannels,
    sxA: 4,
    sxB: outChannels * 4,
  };
  const common = { a: 0, b: 0, c: 0, ldc: outChannels * 4, n: outChannels, nb: 1, sbA: 0, sbB: 0 };
  if (g.sh === 1 && g.sw === 1) {
    const height = g.outHeight + g.kh - 1;
    const width = g.outWidth + g.kw - 1;
    const bottom = height - g.inHeight - g.top;
    const right = width - g.inWidth - g.left;
    if (bottom < 0 || right < 0) return undefined;
    return {
      bottom,
      right,
      gridShape: [g.batch, height, width, outChannels],
      exact: height === g.outHeight && width === g.outWidth,
      call: {
        ...common,
        ...filterRow,
        ams: pixelBytes,
        m: ((g.batch - 1) * height + g.outHeight - 1) * width + g.outWidth,
        syA: width * pixelBytes,
        accumulate: false,
      },
    };
  }
  // Strided: one group per output row, over an input padded to `rows` · sh rows an image so that
  // output row r of the whole batch starts at input row r · sh. Rows past outHeight in an image
  // are wasted work (sliced off); those of the last image are not computed, so no window reads
  // past the padded input.
  const rows = Math.ceil(((g.outHeight - 1) * g.sh + g.kh) / g.sh);
  const bottom = rows * g.sh - g.inHeight - g.top;
  const right = Math.max(0, (g.outWidth - 1) * g.sw + g.kw - g.inWidth - g.left);
  if (bottom < 0) return undefined;
  const width = g.inWidth + g.left + right;
  return {
    bottom,
    right,
    gridShape: [g.batch, rows, g.outWidth, outChannels],
    exact: rows === g.outHeight,
    call: {
      ...common,
      ...filterRow,
      ams: g.sw * pixelBytes,
      m: g.outWidth,
      syA: width * pixelBytes,
      accumulate: false,
      ng: g.batch * rows - (rows - g.outHeight),
      sgA: g.sh * width * pixelBytes,
      sgC: g.outWidth * outChannels * 4,
    },
  };
}

/**
 * Where the product beat XNNPACK on two threads (see the figures above): at least 16 channels in
 * and out, and for stride 1 a padded grid that wastes under 1/8 of the work (32×32 and larger
 * with a 3×3 kernel); strided, 32 channels in. Elsewhere XNNPACK was as fast or faster: a sum of
 * kw·C_in = 3 or 9 terms per filter row leaves the tiles mostly loading and storing, and an 8×8
 * to 24×24 image pads into 15-36 % more pixels.
 */
function productWins(plan: Plan, inChannels: number, outChannels: number, pixels: number): boolean {
  if (inChannels < 16 || outChannels < 16) return false;
  if (plan.call.ng !== undefined) return inChannels >= 32;
  const [, height, width] = plan.gridShape;
  return pixels * 8 >= height * width * 7;
}

/**
 * Replaces the wasm backend's `Conv2D` with the SIMD product for stride-1 convolutions; the
 * stock XNNPACK kernel keeps every other case. Safe to call more than once.
 */
export function registerWasmConv2D(): void {
  replaceStockKernel(OWNER, conv2DWasm, 'needed', 'WebAssembly');
}
