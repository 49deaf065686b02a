// tfjs-backend-wasm 4.22 runs a depthwise convolution forward but has neither of its gradients,
// so a model with a DepthwiseConv2D or SeparableConv2D layer could not train on it. These two
// kernels supply them as plain loops over the wasm heap, NHWC with any stride, padding and depth
// multiplier (output channel c·multiplier + q reads input channel c through filter [.., c, q]).
import type { DepthwiseConv2dNativeAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { tf } from '../../tf.ts';
import { replaceStockKernel, shape4, type HeapBackend, type Shape4 } from './kernel-helpers.ts';

const INPUT = 'DepthwiseConv2dNativeBackpropInput';
const FILTER = 'DepthwiseConv2dNativeBackpropFilter';

type GradAttrs = Omit<DepthwiseConv2dNativeAttrs, 'dataFormat'>;

function float32(owner: string, tensors: Record<string, TensorInfo | undefined>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t === undefined) throw new Error(`${owner} needs the input ${name}.`);
    if (t.dtype !== 'float32') {
      throw new Error(`${owner} on wasm supports float32 only, got ${t.dtype} for ${name}.`);
    }
  }
}

function depthwiseInfo(
  owner: string,
  xShape: Shape4,
  filterShape: Shape4,
  attrs: GradAttrs,
  dy: TensorInfo,
): tf.backend_util.Conv2DInfo {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(`${owner} on wasm supports dilation 1 only, got ${String(attrs.dilations)}.`);
  }
  if (dy.shape.join() !== info.outShape.join()) {
    throw new Error(
      `${owner} got dy of shape [${dy.shape.join(', ')}], which does not fit the input ` +
        `[${xShape.join(', ')}] convolved to [${info.outShape.join(', ')}].`,
    );
  }
  return info;
}

/**
 * Visits every (output pixel, filter tap) pair that reads an input pixel, with the offsets of
 * the input pixel's first channel, the output pixel's first channel and the tap's first channel.
 */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  visit: (xAt: number, dyAt: number, wAt: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let yo = 0; yo < outHeight; yo++) {
      for (let xo = 0; xo < outWidth; xo++) {
        const dyAt = ((b * outHeight + yo) * outWidth + xo) * outChannels;
        for (let r = 0; r < filterHeight; r++) {
          const yi = yo * strideHeight - top + r;
          if (yi < 0 || yi >= inHeight) continue;
          for (let s = 0; s < filterWidth; s++) {
            const xi = xo * strideWidth - left + s;
            if (xi < 0 || xi >= inWidth) continue;
            visit(
              ((b * inHeight + yi) * inWidth + xi) * inChannels,
              dyAt,
              (r * filterWidth + s) * outChannels,
            );
          }
        }
      }
    }
  }
}

const backpropInput: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs;
  float32(INPUT, { dy, filter });
  const a = attrs as unknown as GradAttrs & { inputShape: Shape4 };
  const xShape = shape4(INPUT, a.inputShape, 'input shape');
  const filterShape = shape4(INPUT, (filter as TensorInfo).shape, 'filter');
  const info = depthwiseInfo(INPUT, xShape, filterShape, a, dy as TensorInfo);
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([...xShape], 'float32');
  // Views after the allocation: it may have grown (and so replaced) the heap.
  const dx = heap.typedArrayFromHeap(out);
  const g = heap.typedArrayFromHeap(dy as TensorInfo);
  const w = heap.typedArrayFromHeap(filter as TensorInfo);
  const C = info.inChannels;
  const m = info.outChannels / C;
  dx.fill(0);
  forEachTap(info, (xAt, dyAt, wAt) => {
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let q = 0; q < m; q++) {
        const o = c * m + q;
        sum += (g[dyAt + o] as number) * (w[wAt + o] as number);
      }
      dx[xAt + c] = (dx[xAt + c] as number) + sum;
    }
  });
  return out;
};

const backpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs;
  float32(FILTER, { x, dy });
  const a = attrs as unknown as GradAttrs & { filterShape: Shape4 };
  const xShape = shape4(FILTER, (x as TensorInfo).shape, 'input');
  const filterShape = shape4(FILTER, a.filterShape, 'filter shape');
  const info = depthwiseInfo(FILTER, xShape, filterShape, a, dy as TensorInfo);
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([...filterShape], 'float32');
  const dw = heap.typedArrayFromHeap(out);
  const xs = heap.typedArrayFromHeap(x as TensorInfo);
  const g = heap.typedArrayFromHeap(dy as TensorInfo);
  const C = info.inChannels;
  const m = info.outChannels / C;
  dw.fill(0);
  forEachTap(info, (xAt, dyAt, wAt) => {
    for (let c = 0; c < C; c++) {
      const v = xs[xAt + c] as number;
      for (let q = 0; q < m; q++) {
        const o = c * m + q;
        dw[wAt + o] = (dw[wAt + o] as number) + v * (g[dyAt + o] as number);
      }
    }
  });
  return out;
};

/** Gives the wasm backend both depthwise convolution gradients. Later calls do nothing. */
export function registerWasmDepthwiseConv2DGrad(): void {
  replaceStockKernel(INPUT, backpropInput, 'optional', 'JavaScript');
  replaceStockKernel(FILTER, backpropFilter, 'optional', 'JavaScript');
}
