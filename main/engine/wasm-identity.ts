// tfjs-backend-wasm 4.22's `Identity` copies its input into new memory. TensorFlow.js calls it for
// every `clone` — the gradient tape clones each gradient it passes on, and a Layers model clones
// what flows between its layers — 171 calls and ~30 of ~800 ms in a training step of the reference
// model. Tensors on this backend never change after they are made (every kernel writes a new
// output; a variable's assign takes the new tensor's memory), so the clone can share the input's
// memory, counted, as the backend's own `Reshape` and the CPU backend's `Identity` already do.
// Strings keep the stock kernel.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { tf } from './tf.ts';

/** The wasm backend's own kernel, kept when ours replaces it. */
let stock: KernelConfig | undefined;

interface CountedBackend {
  incRef(dataId: object): void;
}

const identityWasm: KernelFunc = (args) => {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error('Identity needs the input x.');
  if (x.dtype === 'string') {
    if (stock === undefined) throw new Error('Identity on wasm ran without the stock kernel.');
    return stock.kernelFunc(args);
  }
  (args.backend as unknown as CountedBackend).incRef(x.dataId);
  const out: TensorInfo = { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  return out;
};

/** Replaces the wasm backend's `Identity` with the sharing one. Later calls do nothing. */
export function registerWasmIdentity(): void {
  const current = tf.getKernel('Identity', 'wasm') as KernelConfig | undefined;
  if (current?.kernelFunc === identityWasm) return;
  if (current !== undefined) {
    stock = current;
    tf.unregisterKernel('Identity', 'wasm');
  }
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityWasm });
}
