// tfjs-backend-wasm 4.22's `Identity` copies its input into new memory. TensorFlow.js calls it for
// every `clone` — the gradient tape clones each gradient it passes on, and a Layers model clones
// what flows between its layers — 171 calls and ~30 of ~800 ms in a training step of the reference
// model. Tensors on this backend never change after they are made (every kernel writes a new
// output; a variable's assign takes the new tensor's memory), so the clone can share the input's
// memory, counted, as the backend's own `Reshape` and the CPU backend's `Identity` already do.
// Strings keep the stock kernel.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { replaceStockKernel, stockKernel } from './kernel-helpers.ts';

interface CountedBackend {
  incRef(dataId: object): void;
}

const identityWasm: KernelFunc = (args) => {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error('Identity needs the input x.');
  if (x.dtype === 'string') {
    return stockKernel('Identity').kernelFunc(args);
  }
  (args.backend as unknown as CountedBackend).incRef(x.dataId);
  const out: TensorInfo = { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  return out;
};

/** Replaces the wasm backend's `Identity` with the sharing one. Later calls do nothing. */
export function registerWasmIdentity(): void {
  replaceStockKernel('Identity', identityWasm, 'optional', 'memory');
}
