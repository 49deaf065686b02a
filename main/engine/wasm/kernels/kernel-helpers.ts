import type {
  KernelBackend,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  TensorInfo,
} from '@tensorflow/tfjs';
import { tf } from '../../tf.ts';

/**
 * Shared by the kernels the engine supplies to the WebAssembly backend: they are built from the
 * backend's own kernels, called directly so nothing lands on the gradient tape.
 */
export type Shape4 = [number, number, number, number];

/** Runs a wasm kernel on TensorInfos; `owner` names the kernel that needs it, for the error. */
export function runWasmKernel(
  owner: string,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
  backend: KernelBackend,
): TensorInfo {
  const config = tf.getKernel(name, 'wasm') as KernelConfig | undefined;
  if (config === undefined) {
    throw new Error(`${owner} on wasm needs the wasm kernel '${name}', which is missing.`);
  }
  const out = config.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) {
    throw new Error(`The wasm kernel '${name}' returned several tensors where one was expected.`);
  }
  return out;
}

/** The parts of the wasm backend the engine's in-place kernels use: its heap as typed arrays. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  /** A view of a tensor's bytes on the heap; take it after any allocation (the heap may grow). */
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

export function shape4(owner: string, shape: readonly number[], what: string): Shape4 {
  const [a, b, c, d, ...rest] = shape;
  if (a === undefined || b === undefined || c === undefined || d === undefined || rest.length > 0) {
    throw new Error(`${owner} expects a rank-4 ${what} but got shape [${shape.join(', ')}].`);
  }
  return [a, b, c, d];
}

/** The wasm backend's own kernels that the engine's replaced, by kernel name. */
const stockKernels = new Map<string, KernelConfig>();

/**
 * Where a kernel's work runs: in a WebAssembly function, in JavaScript loops, or in the runtime's
 * own memory copies (a whole buffer copied, filled or shared: no arithmetic anywhere).
 */
export type Placement = 'WebAssembly' | 'JavaScript' | 'memory';

/** How each kernel the engine puts on the wasm backend runs: its registration cannot tell. */
const engineKernels = new Map<string, Placement | (() => Placement)>();

/** `runs` is a function where the kernel picks its loop when it starts (SIMD or not). */
export function declareEngineKernel(kernelName: string, runs: Placement | (() => Placement)): void {
  engineKernels.set(kernelName, runs);
}

/** How the engine said its kernel `kernelName` runs, if the engine supplies it. */
export function engineKernelPlacement(kernelName: string): Placement | undefined {
  const runs = engineKernels.get(kernelName);
  return typeof runs === 'function' ? runs() : runs;
}

/**
 * Puts `kernelFunc` in place of the wasm backend's kernel `kernelName` and keeps the stock one for
 * `stockKernel`. The stock setupFunc stays: it binds the C++ function the stock kernelFunc calls,
 * and runs whenever the backend is (re)selected. A backend without the kernel gets ours alone,
 * unless the stock one is `needed` (ours falls back to it). Later calls do nothing. `runs` says
 * where ours does its work, for the backend line (kernel-placement.ts).
 */
export function replaceStockKernel(
  kernelName: string,
  kernelFunc: KernelFunc,
  stock: 'needed' | 'optional',
  runs: Placement,
): void {
  declareEngineKernel(kernelName, runs);
  const current = tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
  if (current?.kernelFunc === kernelFunc) return;
  if (current === undefined) {
    if (stock === 'needed') {
      throw new Error(
        `The wasm backend has no '${kernelName}' kernel to speed up; is @tensorflow/tfjs-backend-wasm loaded?`,
      );
    }
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    return;
  }
  stockKernels.set(kernelName, current);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...current, kernelFunc });
}

/** The stock kernel `replaceStockKernel` kept for `kernelName`. */
export function stockKernel(kernelName: string): KernelConfig {
  const kept = stockKernels.get(kernelName);
  if (kept === undefined) {
    throw new Error(
      `${kernelName} on wasm needs the backend's own kernel, which was not kept (the backend has none, or the engine's kernel was registered another way).`,
    );
  }
  return kept;
}
