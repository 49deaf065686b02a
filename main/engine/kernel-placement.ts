// Which kernels of a training step run as JavaScript on the WebAssembly backend. TensorFlow.js has
// no per-kernel fallback (a kernel missing on wasm throws), but not every kernel registered there
// is WebAssembly: tfjs-backend-wasm writes a few in JavaScript (Range, Unique and the string
// kernels borrow the CPU backend's loops; its Concat, SplitV and Slice, which copied row by row,
// the engine replaces), and some of the engine's own are JavaScript loops (the depthwise
// convolution gradients). The backend line names them, in
// the trainer's `started` event and in `npm run bench`, so a template's slow kernel is never silent.
import type { BackendInfo } from '../../core/contract/training.ts';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import { fixedTotal } from './balancing/step-kit.ts';
import type { Batch } from './batches.ts';
import { outputsOf } from './evaluate.ts';
import { batchLosses } from './split-stats.ts';
import { tf, type LayersModel, type Tensor } from './tf.ts';
import { engineKernelPlacement, type Placement } from './wasm/kernels/kernel-helpers.ts';

/**
 * The backend's kernels without a WebAssembly function whose whole work is one copy or fill of a
 * buffer by the runtime, or a new shape on the same memory: no loop in JavaScript to speak of.
 */
const WHOLE_BUFFER = new Set([
  'BroadcastArgs',
  'Cast',
  'ExpandDims',
  'Fill',
  'Identity',
  'OnesLike',
  'Reshape',
  'Squeeze',
  'ZerosLike',
]);

/** One dispatch of a kernel, as `tf.profile` reports it. */
export interface KernelCall {
  readonly name: string;
  readonly inputShapes?: readonly (readonly number[])[];
  readonly outputShapes?: readonly (readonly number[])[];
}

/** Where a kernel does its work on the wasm backend; undefined where wasm has no such kernel. */
export function placementOnWasm(call: KernelCall): Placement | undefined {
  const config = tf.getKernel(call.name, 'wasm') as tf.KernelConfig | undefined;
  if (config === undefined) return undefined;
  const engine = engineKernelPlacement(call.name);
  if (engine !== undefined) return engine;
  if (WHOLE_BUFFER.has(call.name)) return 'memory';
  // tfjs-backend-wasm binds each kernel's WebAssembly function in its setupFunc: a stock kernel
  // without one is JavaScript.
  return config.setupFunc === undefined ? 'JavaScript' : 'WebAssembly';
}

/** The kernels among `calls` that ran as JavaScript on the wasm backend, by name, sorted. */
export const javascriptKernels = (calls: Iterable<KernelCall>): string[] =>
  [
    ...new Set(
      [...calls].filter((call) => placementOnWasm(call) === 'JavaScript').map((c) => c.name),
    ),
  ].sort();

/**
 * What the backend line adds for a step of these kernel calls: "every kernel on WebAssembly" or
 * "on JavaScript: Range, Unique"; nothing off the wasm backend.
 */
export function placementNote(backendName: string, calls: Iterable<KernelCall>): string {
  if (backendName !== 'wasm') return '';
  const js = javascriptKernels(calls);
  return js.length === 0 ? 'every kernel on WebAssembly' : `on JavaScript: ${js.join(', ')}`;
}

/** The backend with the placement of a step of `calls` in its description. */
export function withPlacement(backend: BackendInfo, calls: Iterable<KernelCall>): BackendInfo {
  const note = placementNote(backend.name, calls);
  return note === '' ? backend : { ...backend, description: `${backend.description}; ${note}` };
}

/**
 * The kernels one training step of `model` dispatches on `batch`: the forward pass, the losses
 * and every trainable weight's gradient. The forward pass is in inference mode, so nothing of the
 * model changes (BatchNormalization's moving statistics); its training-mode statistics and the
 * optimizer's update are kernels the backend line does not see here (all WebAssembly today, and
 * the bench's profile, which runs the whole step, names them if they are not).
 */
export async function stepKernels(
  model: LayersModel,
  heads: readonly HeadInfo[],
  batch: Batch,
): Promise<KernelCall[]> {
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => {
      const preds = outputsOf(model.apply(batch.x, { training: false }) as Tensor | Tensor[]);
      return fixedTotal(heads, batchLosses(heads, batch.ys, preds).means);
    });
    tf.dispose([value, ...Object.values(grads)]);
  });
  return info.kernels.map(({ name, inputShapes, outputShapes }) => ({
    name,
    inputShapes,
    outputShapes,
  }));
}
