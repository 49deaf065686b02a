// tfjs-backend-wasm 4.22 registers no `Conv2DBackpropFilter` kernel, so every convolution's
// gradient throws "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'" and nothing
// with a Conv2D layer can train on wasm, the fastest backend that installs everywhere (see
// shared/docs/ENVIRONMENT.md; https://github.com/tensorflow/tfjs/issues/8474). This supplies the
// kernel. Where the engine's SIMD loops run (`gemm.ts`), it is one SIMD product per filter
// row over the zero-padded input (see the kernel below: 2–3× faster than the XNNPACK formulation,
// which packs dY as weights on every call). Elsewhere it is built only from kernels the wasm
// backend does have, so the arithmetic stays in XNNPACK, as described next. Drop it once
// tfjs-backend-wasm ships its own (registration already steps aside when it does).
//
// The filter gradient of a forward convolution with stride (sh, sw) and padding (top, left) is
//   dW[i, j, ci, co] = Σ_{b, y, x} X[b, y·sh + i − top, x·sw + j − left, ci] · dY[b, y, x, co],
// which is itself a convolution: take the input as [C_in, H, W, B] (batch := C_in, channels := B),
// take dY as a filter [h_out, w_out, B, C_out] dilated by the forward stride, slide it with
// stride 1; the output [C_in, kh, kw, C_out] transposed to [kh, kw, C_in, C_out] is dW.
// The wasm Conv2D (XNNPACK) accepts dilation > 1 with stride 1 and explicit padding, so the
// zero padding travels as the convolution's own padding instead of a PadV2 copy of the input.
// Most of the time goes into the Conv2D re-laying out and packing dY as weights on every call (the
// filter is new each time); the two transposes here are ~10%. Measured and slower: the native
// Conv3DBackpropFilterV2 with depth 1 (9-30x), dY as input and X as filter (stride 1 only, its
// dY transpose is slower), and a one-hot depthwise im2col followed by BatchMatMul.
//
// Only the rows and columns the forward windows reached may contribute. The last window row
// starts at (h_out − 1)·sh − top, so the padded input must span exactly (h_out − 1)·sh + kh rows:
// bottom = (h_out − 1)·sh + kh − top − H. That is not always the forward conv's bottom padding:
// a stride that skips the input's last rows ('valid', or 'same' with a kernel smaller than the
// stride) makes it negative, an explicit or numeric pad the windows never reach makes it smaller,
// and 'round'/'ceil' rounding can make it larger than the pad. A negative amount cannot be
// padding, so the input is left unpadded there and the surplus output rows, which would hold those
// unused rows, are sliced off (slicing the small output is far cheaper than the input).
import { tf } from '../../tf.ts';
import { backendMemory } from '../emit.ts';
import { gemmRuns, runGemm } from './gemm.ts';
import { replaceStockKernel, runWasmKernel, shape4, type HeapBackend } from './kernel-helpers.ts';
import { engineThreads } from '../parallel.ts';
import type {
  Conv2DBackpropFilterAttrs,
  KernelBackend,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';

const OWNER = 'Conv2DBackpropFilter';

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, attrs, backend: anyBackend }) => {
  const backend = anyBackend as KernelBackend;
  const { x, dy } = inputs;
  if (x === undefined || dy === undefined) {
    throw new Error('Conv2DBackpropFilter needs the inputs x and dy.');
  }
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') {
    throw new Error(
      `Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'.`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    shape4(OWNER, x.shape, 'input x'),
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inHeight, inWidth, inChannels, strideHeight, strideWidth, filterHeight, filterWidth } =
    info;
  const [batch, outHeight, outWidth, outChannels] = shape4(OWNER, dy.shape, 'gradient dy');
  if (filterShape[2] !== inChannels) {
    throw new Error(
      `Conv2DBackpropFilter got a filter shape [${filterShape.join(', ')}] whose input ` +
        `channels differ from the ${inChannels} of x [${x.shape.join(', ')}].`,
    );
  }
  // dy's own height and width, not the ones computeConv2DInfo derives, say where the last window
  // sat: tfjs's Conv2D gradient drops dimRoundingMode, so for 'round' and 'ceil' the recomputed
  // size falls short of dy (the cpu kernel then silently ignores dy's last rows).
  if (batch !== info.batchSize || outChannels !== filterShape[3]) {
    throw new Error(
      `Conv2DBackpropFilter got dy of shape [${dy.shape.join(', ')}], which does not fit ` +
        `x [${x.shape.join(', ')}] and filter [${filterShape.join(', ')}].`,
    );
  }
  const { top, left } = info.padInfo;
  const bottom = (outHeight - 1) * strideHeight + filterHeight - top - inHeight;
  const right = (outWidth - 1) * strideWidth + filterWidth - left - inWidth;

  if (batch === 0 || outHeight === 0 || outWidth === 0 || x.shape.some((d) => d === 0)) {
    return runWasmKernel(
      OWNER,
      'Fill',
      {},
      { shape: filterShape, value: 0, dtype: 'float32' },
      backend,
    );
  }

  const memory = backendMemory(backend);
  if (memory !== undefined && gemmRuns(memory) && x.dtype === 'float32') {
    // The SIMD product (`gemm.ts`), one call per filter row i: for that row the filter's
    // (j, c_in) pairs lie side by side in the padded input, so they are the product's rows.
    //   dW[i, j, ci, co] = Σ_{b, y, x} Xp[b, y·sh + i, x·sw + j, ci] · dY[b, y, x, co]
    // summed image by image (an image of X and dY stays in the cache while every tile runs).
    const padded =
      top > 0 || left > 0 || bottom > 0 || right > 0
        ? runWasmKernel(
            OWNER,
            'PadV2',
            { x },
            {
              paddings: [
                [0, 0],
                [top, Math.max(0, bottom)],
                [left, Math.max(0, right)],
                [0, 0],
              ],
              constantValue: 0,
            },
            backend,
          )
        : x;
    try {
      const heap = backend as unknown as HeapBackend;
      const out = heap.makeOutput([...filterShape], 'float32');
      const [xp, dyAt, dw] = [padded, dy, out].map(
        (t) => heap.typedArrayFromHeap(t).byteOffset,
      ) as [number, number, number];
      const rowBytes = (padded.shape[2] as number) * inChannels * 4;
      const imageBytes = (padded.shape[1] as number) * rowBytes;
      for (let i = 0; i < filterHeight; i++) {
        runGemm(
          memory,
          {
            a: xp + i * rowBytes,
            b: dyAt,
            c: dw + i * filterWidth * inChannels * outChannels * 4,
            ldc: outChannels * 4,
            ams: 4,
            m: filterWidth * inChannels,
            n: outChannels,
            nb: batch,
            sbA: imageBytes,
            sbB: outHeight * outWidth * outChannels * 4,
            ny: outHeight,
            syA: strideHeight * rowBytes,
            syB: outWidth * outChannels * 4,
            nx: outWidth,
            sxA: strideWidth * inChannels * 4,
            sxB: outChannels * 4,
            accumulate: false,
          },
          engineThreads(backend),
        );
      }
      return out;
    } finally {
      if (padded !== x) backend.disposeData(padded.dataId);
    }
  }

  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo): TensorInfo => {
    temporaries.push(t);
    return t;
  };
  try {
    const xT = keep(runWasmKernel(OWNER, 'Transpose', { x }, { perm: [3, 1, 2, 0] }, backend));
    const dyT = keep(runWasmKernel(OWNER, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] }, backend));
    const padding: ExplicitPadding = [
      [0, 0],
      [top, Math.max(0, bottom)],
      [left, Math.max(0, right)],
      [0, 0],
    ];
    // [C_in, kh + surplus rows, kw + surplus columns, C_out]
    let grad = keep(
      runWasmKernel(
        OWNER,
        'Conv2D',
        { x: xT, filter: dyT },
        {
          strides: [1, 1],
          pad: padding,
          dataFormat: 'NHWC',
          dilations: [strideHeight, strideWidth],
        },
        backend,
      ),
    );
    if (bottom < 0 || right < 0) {
      grad = keep(
        runWasmKernel(
          OWNER,
          'Slice',
          { x: grad },
          { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] },
          backend,
        ),
      );
    }
    return runWasmKernel(OWNER, 'Transpose', { x: grad }, { perm: [1, 2, 0, 3] }, backend);
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
};

/**
 * Registers the missing wasm `Conv2DBackpropFilter` kernel so convolutions can be trained on the
 * wasm backend. Safe to call more than once; later calls do nothing.
 */
export function registerWasmConv2DBackpropFilter(): void {
  replaceStockKernel('Conv2DBackpropFilter', conv2DBackpropFilterWasm, 'optional', 'WebAssembly');
}
