// tfjs-backend-wasm 4.22's `MaxPoolGrad` is a plain C++ loop that, for every input pixel, walks
// every output window that could hold it and recomputes that window's maximum — in the reference
// model's training step its two calls took ~140 of ~870 ms, on one thread whatever the pool size.
// This kernel makes one pass over the windows instead: for each output pixel it finds the
// position of the window's maximum for all channels at once (the channels are contiguous in NHWC,
// so the inner loop runs over memory in order) and adds dy there. It reads and writes the wasm
// heap in place through typed arrays, so nothing is copied in or out.
//
// The maximum is the first strict one in row-major window order, starting from −∞, as the cpu
// backend's: ties (common after a ReLU) send the gradient to the first of the tied pixels, and a
// window of NaN or −∞ only sends none. Overlapping windows add up in the output.
//
// Measured on the reference model (batch 32, 2×2 windows, stride 2; one thread, busy 2-core
// machine): [32, 64, 64, 32] → 87 ms stock, [32, 32, 32, 64] → 54 ms stock; see README.md (Speed)
// for this kernel's figures.
import type { KernelFunc, MaxPoolGradAttrs } from '@tensorflow/tfjs';
import { tf } from './tf.ts';
import { shape4, type HeapBackend } from './wasm-kernels.ts';

const OWNER = 'MaxPoolGrad';

const maxPoolGradWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs;
  if (dy === undefined || input === undefined) {
    throw new Error('MaxPoolGrad needs the inputs dy and input.');
  }
  if (dy.dtype !== 'float32' || input.dtype !== 'float32') {
    throw new Error(`MaxPoolGrad on wasm supports float32 only, got ${input.dtype}.`);
  }
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const xShape = shape4(OWNER, input.shape, 'input');
  const info = tf.backend_util.computePool2DInfo(
    xShape,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [batch, outHeight, outWidth, channels] = shape4(OWNER, dy.shape, 'gradient dy');
  if (
    batch !== info.batchSize ||
    outHeight !== info.outHeight ||
    outWidth !== info.outWidth ||
    channels !== info.inChannels
  ) {
    throw new Error(
      `MaxPoolGrad got dy of shape [${dy.shape.join(', ')}], which does not fit the input ` +
        `[${input.shape.join(', ')}] pooled to [${info.outShape.join(', ')}].`,
    );
  }
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([...xShape], 'float32');
  // Views after the allocation: it may have grown (and so replaced) the heap.
  const dx = heap.typedArrayFromHeap(out);
  const x = heap.typedArrayFromHeap(input);
  const g = heap.typedArrayFromHeap(dy);
  dx.fill(0);
  accumulate(x, g, dx, info);
  return out;
};

/**
 * dx[argmax of each window] += dy over every output pixel: the window's in-bounds pixels are listed
 * once, then each channel finds its maximum among them with the running maximum in a local.
 */
function accumulate(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const cells = new Int32Array(filterHeight * filterWidth);
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * C;
    for (let yo = 0; yo < outHeight; yo++) {
      const r0 = Math.max(0, yo * strideHeight - top);
      const r1 = Math.min(inHeight, yo * strideHeight - top + filterHeight);
      for (let xo = 0; xo < outWidth; xo++) {
        const c0 = Math.max(0, xo * strideWidth - left);
        const c1 = Math.min(inWidth, xo * strideWidth - left + filterWidth);
        let n = 0;
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) cells[n++] = xBatch + (r * inWidth + col) * C;
        }
        const dyAt = ((b * outHeight + yo) * outWidth + xo) * C;
        for (let c = 0; c < C; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let where = -1;
          for (let i = 0; i < n; i++) {
            const at = (cells[i] as number) + c;
            const v = x[at] as number;
            if (v > best) {
              best = v;
              where = at;
            }
          }
          if (where >= 0) dx[where] = (dx[where] as number) + (dy[dyAt + c] as number);
        }
      }
    }
  }
}

/**
 * Replaces the wasm backend's `MaxPoolGrad` with the one-pass kernel above. Safe to call more
 * than once; later calls do nothing.
 */
export function registerWasmMaxPoolGrad(): void {
  const current = tf.getKernel('MaxPoolGrad', 'wasm') as tf.KernelConfig | undefined;
  if (current?.kernelFunc === maxPoolGradWasm) return;
  if (current !== undefined) tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel({
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: maxPoolGradWasm,
  });
}
