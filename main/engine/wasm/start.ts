import { tf } from '../tf.ts';
import { registerWasmBatchMatMul } from './kernels/batch-matmul.ts';
import { registerWasmBatchNorm } from './kernels/batch-norm.ts';
import { registerWasmBatchNormGrad } from './kernels/batch-norm-grad.ts';
import { registerWasmBoxCopies } from './kernels/box-copy.ts';
import { registerWasmBroadcastBinary } from './kernels/broadcast-binary.ts';
import { registerWasmConv2D } from './kernels/conv2d.ts';
import { registerWasmConv2DBackpropFilter } from './kernels/conv2d-backprop-filter.ts';
import { registerWasmConv2DBackpropInput } from './kernels/conv2d-backprop-input.ts';
import { registerWasmDepthwiseConv2DGrad } from './kernels/depthwise-conv2d-grad.ts';
import { registerWasmElementwise } from './kernels/elementwise.ts';
import { registerWasmIdentity } from './kernels/identity.ts';
import { registerWasmMaxPoolGrad } from './kernels/max-pool-grad.ts';
import { registerWasmReluGrad } from './kernels/relu-grad.ts';
import { registerWasmSum } from './kernels/sum.ts';
import { registerWasmTile } from './kernels/tile.ts';
import { defaultWasmThreads, startThreadedWasm, threadsOf } from './threads.ts';

/** The wasm backend's priority in tfjs-backend-wasm's own registration. */
const WASM_PRIORITY = 2;

const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;

/**
 * Starts the WebAssembly backend on `threads` threads (default: every core, up to 8) and adds the engine's
 * kernels. Where the threaded build cannot start, the stock single-threaded one runs and the
 * description says why. A process starts the backend once: if it is already running, its thread
 * count stands.
 */
export async function startWasm(threads = defaultWasmThreads()): Promise<string> {
  let note = '';
  const running = (tf.engine().registry as Record<string, unknown>)['wasm'];
  if (running === undefined) {
    try {
      const backend = await startThreadedWasm(threads);
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', () => backend, WASM_PRIORITY);
    } catch (e) {
      note = `, one thread: the threaded build did not start (${(e as Error).message})`;
    }
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the WebAssembly backend did not start');
  // The missing convolution filter gradient, a far faster input gradient, matrix products with a
  // long sum as the engine's SIMD loop and transposed ones on XNNPACK instead of a slow loop, a
  // one-pass SIMD max-pool gradient, bias gradients summed without a transpose, and clones that
  // share memory, a ReLU gradient in one pass, and tiles that repeat the input whole copied as such. The engine's SIMD loops split over as many
  // threads as the backend has.
  registerWasmConv2DBackpropFilter();
  registerWasmConv2DBackpropInput();
  // Stride-1 convolutions (the input gradients' among them) as the SIMD product.
  registerWasmConv2D();
  registerWasmBatchMatMul();
  registerWasmMaxPoolGrad();
  registerWasmSum();
  registerWasmIdentity();
  registerWasmReluGrad();
  registerWasmTile();
  // Concat, SplitV and Slice as SIMD copies of runs instead of a JavaScript call per row.
  registerWasmBoxCopies();
  // Batch normalization as one SIMD pass instead of a scalar loop on one thread.
  registerWasmBatchNorm();
  // BatchNormalization's training-mode gradient as two SIMD passes instead of the chain of small
  // kernels tfjs differentiates its batch statistics with (the layer calls it: batch-norm.ts).
  registerWasmBatchNormGrad();
  // Add, Sub, Multiply and RealDiv with a vector or a scalar repeated over the other operand
  // (biases, per-channel factors) or a value per short row, as one SIMD pass; XNNPACK keeps every
  // other case (two tensors of one shape among them). Relu, Neg, Abs and Square as SIMD passes.
  registerWasmBroadcastBinary();
  registerWasmElementwise();
  // Both depthwise convolution gradients, which the wasm backend lacks.
  registerWasmDepthwiseConv2DGrad();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const actual = threadsOf(tf.backend() as Parameters<typeof threadsOf>[0]);
  return `WebAssembly (tfjs-backend-wasm${simd ? ', SIMD' : ''}, ${plural(actual)}${note})`;
}
