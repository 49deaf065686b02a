// The gradient of a ReLU, dy · step(x), is three kernels in TensorFlow.js (Step, Cast, Multiply):
// three passes over the activation, each allocating a tensor, on one thread — ~18 ms of the
// reference model's training step on WebAssembly (its conv1 activation alone is 4 M values). On
// WebAssembly this makes it one SIMD pass (`MtsReluGrad`), split over the backend's threads; on
// every other backend the gradient stays the three kernels. Same bits: step is NaN for a NaN x,
// 1 above zero and 0 otherwise, and dy is multiplied by it (so −0 where dy < 0 and x ≤ 0, as
// before).
import type { KernelFunc, NamedTensorMap, Tensor } from '@tensorflow/tfjs';
import { tf } from '../../tf.ts';
import {
  I32,
  V128,
  addTo,
  backendMemory,
  countdown,
  op,
  wasmModuleBytes,
  type ValueType,
  type WasmMemory,
} from '../emit.ts';
import { declareEngineKernel, type HeapBackend } from './kernel-helpers.ts';
import { engineLoop, engineThreads, shares } from '../parallel.ts';

const KERNEL = 'MtsReluGrad';

/** dy · step(x) for `vectors` groups of four floats. */
function reluGradBody(): number[] {
  const [DY, X, OUT, VECTORS] = [0, 1, 2, 3];
  const [XV, S] = [4, 5];
  const { get, set, tee } = op;
  return [
    ...op.loop,
    ...get(OUT),
    // s = x > 0 ? 1 : 0, then NaN where x is NaN.
    ...op.f32x4Const(1),
    ...op.f32x4Const(0),
    ...get(X),
    ...op.v128Load(),
    ...tee(XV),
    ...op.f32x4Const(0),
    ...op.f32x4Gt,
    ...op.v128Bitselect,
    ...set(S),
    ...op.f32x4Const(Number.NaN),
    ...get(S),
    ...get(XV),
    ...get(XV),
    ...op.f32x4Ne,
    ...op.v128Bitselect,
    ...get(DY),
    ...op.v128Load(),
    ...op.f32x4Mul,
    ...op.v128Store(),
    ...addTo(DY, op.i32(16)),
    ...addTo(X, op.i32(16)),
    ...addTo(OUT, op.i32(16)),
    ...countdown(VECTORS),
    ...op.end,
  ];
}

const reluGradFor = (memory: WasmMemory) =>
  engineLoop(
    memory,
    'relu grad',
    (shared) =>
      wasmModuleBytes({
        types: [{ params: Array<ValueType>(4).fill(I32) }],
        functions: [
          {
            type: 0,
            locals: [V128, V128],
            body: reluGradBody(),
            export: 'reluGrad',
          },
        ],
        sharedMemory: shared,
      }),
    'reluGrad',
  );

/** step(x) as TensorFlow.js computes it, for the values JavaScript does. */
const stepOf = (x: number): number => (Number.isNaN(x) ? Number.NaN : x > 0 ? 1 : 0);

/** Below this many values the pass runs on one thread (a split costs ~0.05 ms). */
const MIN_SPLIT_VALUES = 1 << 16;

const reluGradWasm: KernelFunc = ({ inputs, backend }) => {
  const { dy, x } = inputs;
  if (dy === undefined || x === undefined) throw new Error('The ReLU gradient needs dy and x.');
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([...x.shape], 'float32');
  // Views after the allocation: it may have grown (and so replaced) the heap.
  const [vdy, vx, vout] = [dy, x, out].map((t) => heap.typedArrayFromHeap(t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const n = vx.length;
  const memory = backendMemory(backend);
  const loop = memory && n >= 4 ? reluGradFor(memory) : undefined;
  let done = 0;
  if (loop !== undefined) {
    done = n - (n % 4);
    const threads = done < MIN_SPLIT_VALUES ? 1 : engineThreads(backend);
    loop.run(
      shares(done, threads, 4).map(([i0, i1]) => [
        vdy.byteOffset + 4 * i0,
        vx.byteOffset + 4 * i0,
        vout.byteOffset + 4 * i0,
        (i1 - i0) / 4,
      ]),
      threads,
    );
  }
  for (let i = done; i < n; i++) vout[i] = (vdy[i] as number) * stepOf(vx[i] as number);
  return out;
};

/** The three-kernel gradient every other backend keeps. */
const stockReluGrad = (dy: Tensor, x: Tensor): Tensor => tf.mul(dy, tf.cast(tf.step(x), 'float32'));

/**
 * Registers `MtsReluGrad` on wasm and a ReLU gradient that uses it there (and the stock kernels
 * elsewhere). Safe to call more than once.
 */
export function registerWasmReluGrad(): void {
  if ((tf.getKernel(KERNEL, 'wasm') as tf.KernelConfig | undefined) !== undefined) return;
  tf.registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc: reluGradWasm });
  declareEngineKernel(KERNEL, 'WebAssembly');
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
      const [x] = saved;
      const g = dy as Tensor;
      if (x === undefined) throw new Error('The ReLU gradient lost its input.');
      const fused =
        tf.getBackend() === 'wasm' &&
        x.dtype === 'float32' &&
        g.dtype === 'float32' &&
        tf.util.arraysEqual(x.shape, g.shape);
      return {
        x: () =>
          fused
            ? (tf.engine().runKernel(KERNEL, { dy: g, x } as unknown as NamedTensorMap) as Tensor)
            : stockReluGrad(g, x),
      };
    },
  });
}
