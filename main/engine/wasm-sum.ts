// tfjs-backend-wasm 4.22's `Sum` reduces only over the innermost axes: for any other axes it first
// transposes the whole input so they come last. A convolution's bias gradient sums dy over batch,
// height and width — the outer axes of NHWC — so in the reference model's training step those two
// sums transposed 4 M and 2 M values and took ~65 of ~870 ms (one thread). This kernel sums over
// leading axes in place instead: one pass over the input in memory order, adding each row into a
// float64 accumulator per output element, as the cpu backend accumulates. Every other reduction
// goes to the stock kernel.
import type { KernelConfig, KernelFunc, SumAttrs } from '@tensorflow/tfjs';
import { tf } from './tf.ts';
import type { HeapBackend } from './wasm-kernels.ts';

/** The wasm backend's own kernel, kept when ours replaces it. */
let stock: KernelConfig | undefined;

/** How many leading axes `axes` names, if it names exactly the first k < rank of them. */
function leadingAxes(axes: number[], rank: number): number | undefined {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length >= rank) return undefined;
  return sorted.every((axis, i) => axis === i) ? sorted.length : undefined;
}

const sumWasm: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args;
  const x = inputs['x'];
  if (stock === undefined) {
    throw new Error('Sum on wasm ran before registerWasmSum kept the stock kernel.');
  }
  if (x === undefined) throw new Error('Sum needs the input x.');
  const { axis, keepDims } = attrs as unknown as SumAttrs;
  const k =
    x.dtype === 'float32'
      ? leadingAxes(tf.util.parseAxisParam(axis, x.shape), x.shape.length)
      : undefined;
  if (k === undefined) return stock.kernelFunc(args);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const columns = tf.util.sizeFromShape(x.shape.slice(k));
  const heap = backend as unknown as HeapBackend;
  const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = heap.makeOutput(outShape, 'float32');
  // Views after the allocation: it may have grown (and so replaced) the heap.
  const values = heap.typedArrayFromHeap(x);
  const sums = new Float64Array(columns);
  for (let r = 0, at = 0; r < rows; r++, at += columns) {
    for (let c = 0; c < columns; c++) sums[c] = (sums[c] as number) + (values[at + c] as number);
  }
  heap.typedArrayFromHeap(out).set(sums);
  return out;
};

/**
 * Replaces the wasm backend's `Sum` with one that sums over leading axes without a transpose.
 * Safe to call more than once; later calls do nothing.
 */
export function registerWasmSum(): void {
  const current = tf.getKernel('Sum', 'wasm') as KernelConfig | undefined;
  if (current?.kernelFunc === sumWasm) return;
  if (current === undefined) {
    throw new Error(
      "The wasm backend has no 'Sum' kernel to speed up; is @tensorflow/tfjs-backend-wasm loaded?",
    );
  }
  stock = current;
  tf.unregisterKernel('Sum', 'wasm');
  // The stock setupFunc stays: it binds the C++ function the stock kernelFunc calls.
  tf.registerKernel({ ...current, kernelFunc: sumWasm });
}
