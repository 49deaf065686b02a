// Adam in one pass per variable. TensorFlow.js' AdamOptimizer updates each variable with about ten
// element-wise kernels (two moments, their bias corrections, the square root, the division, the
// step), each reading and writing the whole variable and allocating its result: on the reference
// model's 6.3 M weights that was ~100 ms of a ~870 ms step on one WebAssembly thread. Here one
// loop reads the weight, its gradient and both moments once and writes the three new values.
//
// The arithmetic is Adam's as TensorFlow.js and Keras write it (ε added to the square root of the
// bias-corrected second moment). On WebAssembly it runs four weights at a time in float32 SIMD
// (`wasm/kernels/adam-simd.ts`: ~13 ms a step for the reference model's 6.3 M weights, against ~85 ms
// for the stock chain); on the CPU backend, and on WebAssembly without SIMD, in a JavaScript loop
// in float64 per element. The bias corrections 1 − βᵗ are computed in float64 (the stock
// optimizer's float32 1 − β₂ᵗ loses ~1e-5 of its value to cancellation, which is most of the small
// difference between the two). The moments live in the same variables with the same names as the
// stock optimizer's, so checkpoints and `getWeights` / `setWeights` are unchanged. Backends without
// this kernel (WebGPU, native TensorFlow) use the stock update.
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { tf } from './tf.ts';
import { simdAdamFor } from './wasm/kernels/adam-simd.ts';
import { backendMemory } from './wasm/emit.ts';
import { engineThreads, shares, type EngineLoop } from './wasm/parallel.ts';

/** Below this many weights the update runs on one thread (a split costs ~0.05 ms). */
const MIN_SPLIT_WEIGHTS = 1 << 16;
import { declareEngineKernel, type HeapBackend } from './wasm/kernels/kernel-helpers.ts';

const KERNEL = 'MtsAdamUpdate';

export interface AdamStep {
  /** The learning rate. */
  readonly rate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ for the step t (1 for the first). */
  readonly correction1: number;
  readonly correction2: number;
}

/** One Adam step over flat arrays: new weights, first and second moments into the outputs. */
export function adamUpdate(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  outW: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  s: AdamStep,
): void {
  const { beta1, beta2, epsilon } = s;
  const keep1 = 1 - beta1;
  const keep2 = 1 - beta2;
  const step = s.rate / s.correction1;
  const unbias2 = 1 / s.correction2;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i] as number;
    const mi = beta1 * (m[i] as number) + keep1 * gi;
    const vi = beta2 * (v[i] as number) + keep2 * gi * gi;
    outM[i] = mi;
    outV[i] = vi;
    outW[i] = (w[i] as number) - (step * mi) / (Math.sqrt(vi * unbias2) + epsilon);
  }
}

function inputsOf(inputs: Record<string, TensorInfo | undefined>) {
  const { w, m, v, g } = inputs;
  if (w === undefined || m === undefined || v === undefined || g === undefined) {
    throw new Error('The Adam update needs the weight, both moments and the gradient.');
  }
  for (const t of [w, m, v, g]) {
    if (t.dtype !== 'float32' || t.shape.join() !== w.shape.join()) {
      throw new Error(
        `The Adam update needs float32 tensors of one shape; got ${t.dtype} [${t.shape.join(', ')}] for a weight of shape [${w.shape.join(', ')}].`,
      );
    }
  }
  return { w, m, v, g };
}

const stepOf = (attrs: NamedAttrMap | undefined) => attrs as unknown as AdamStep;

/**
 * The same step in float32, four lanes at a time in WebAssembly (`wasm/kernels/adam-simd.ts`); the last
 * n mod 4 weights here, each operation rounded to float32 as a lane rounds it.
 */
function adamUpdateSimd(
  simd: EngineLoop,
  threads: number,
  arrays: readonly Float32Array[],
  s: AdamStep,
): void {
  const [w, m, v, g, oW, oM, oV] = arrays as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const f = Math.fround;
  const b1 = f(s.beta1);
  const k1 = f(1 - s.beta1);
  const b2 = f(s.beta2);
  const k2 = f(1 - s.beta2);
  const step = f(s.rate / s.correction1);
  const u2 = f(1 / s.correction2);
  const eps = f(s.epsilon);
  const n = w.length;
  const lanes = n - (n % 4);
  // Weights split over the threads in whole lanes of four (each weight's update is on its own).
  const parts = lanes < MIN_SPLIT_WEIGHTS ? 1 : threads;
  const argLists = shares(lanes, parts, 4).map(([i0, i1]) => [
    ...[w, m, v, g, oW, oM, oV].map((a) => a.byteOffset + 4 * i0),
    (i1 - i0) * 4,
    b1,
    k1,
    b2,
    k2,
    step,
    u2,
    eps,
  ]);
  simd.run(argLists, threads);
  for (let i = lanes; i < n; i++) {
    const gi = g[i] as number;
    const mi = f(f(b1 * (m[i] as number)) + f(k1 * gi));
    const vi = f(f(b2 * (v[i] as number)) + f(f(k2 * gi) * gi));
    oM[i] = mi;
    oV[i] = vi;
    oW[i] = f((w[i] as number) - f(f(step * mi) / f(f(Math.sqrt(f(vi * u2))) + eps)));
  }
}

const adamWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const { w, m, v, g } = inputsOf(inputs);
  const heap = backend as unknown as HeapBackend;
  const outs = [0, 1, 2].map(() => heap.makeOutput([...w.shape], 'float32'));
  // Views after the allocations: they may have grown (and so replaced) the heap.
  const [oW, oM, oV] = outs.map((t) => heap.typedArrayFromHeap(t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const view = (t: TensorInfo) => heap.typedArrayFromHeap(t);
  const memory = backendMemory(backend);
  const simd = memory && !plainAdam ? simdAdamFor(memory) : undefined;
  if (simd)
    adamUpdateSimd(
      simd,
      engineThreads(backend),
      [view(w), view(m), view(v), view(g), oW, oM, oV],
      stepOf(attrs),
    );
  else adamUpdate(view(w), view(m), view(v), view(g), oW, oM, oV, stepOf(attrs));
  return outs;
};

/** Tests compare the two loops: this makes the wasm kernel use the JavaScript one. */
let plainAdam = false;
export function usePlainAdamLoop(plain: boolean): void {
  plainAdam = plain;
}

/** Whether the running wasm backend takes the SIMD loop (for tests and the bench). */
export function wasmAdamIsSimd(): boolean {
  const memory = backendMemory(tf.findBackend('wasm'));
  return memory !== undefined && simdAdamFor(memory) !== undefined;
}

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

const adamCpu: KernelFunc = ({ inputs, attrs, backend }) => {
  const { w, m, v, g } = inputsOf(inputs);
  const cpu = backend as unknown as CpuBackend;
  const view = (t: TensorInfo) => cpu.data.get(t.dataId).values;
  const n = view(w).length;
  const [oW, oM, oV] = [0, 1, 2].map(() => new Float32Array(n)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  adamUpdate(view(w), view(m), view(v), view(g), oW, oM, oV, stepOf(attrs));
  return [oW, oM, oV].map((values) => cpu.makeTensorInfo([...w.shape], 'float32', values));
};

for (const [backendName, kernelFunc] of [
  ['wasm', adamWasm],
  ['cpu', adamCpu],
] as const) {
  if (tf.getKernel(KERNEL, backendName) === undefined) {
    tf.registerKernel({ kernelName: KERNEL, backendName, kernelFunc });
  }
}
// On WebAssembly without SIMD the update is the JavaScript loop.
declareEngineKernel(KERNEL, () => (wasmAdamIsSimd() && !plainAdam ? 'WebAssembly' : 'JavaScript'));

interface Moment {
  originalName: string;
  variable: tf.Variable;
}

/** The stock optimizer's private state, which this one keeps in the same form. */
interface AdamInternals {
  accumulatedFirstMoment: Moment[];
  accumulatedSecondMoment: Moment[];
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

/**
 * Adam (as `tf.train.adam`) whose step is one fused kernel per variable where the backend has
 * it (WebAssembly, CPU), and the stock step elsewhere.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0],
  ): void {
    const backend: KernelBackend = tf.backend();
    if (tf.getKernel(KERNEL, tf.getBackend()) === undefined || backend === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => ({ name: v.name, gradient: v.tensor }))
      : Object.entries(variableGradients).map(([name, gradient]) => ({ name, gradient }));
    const t = this.iterations + 1;
    const step: AdamStep = {
      rate: self.learningRate,
      beta1: self.beta1,
      beta2: self.beta2,
      epsilon: self.epsilon,
      correction1: 1 - self.beta1 ** t,
      correction2: 1 - self.beta2 ** t,
    };
    const registered = tf.engine().registeredVariables;
    tf.tidy(() => {
      list.forEach(({ name, gradient }, i) => {
        const value = registered[name];
        if (value === undefined) throw new Error(`Adam got a gradient for unknown '${name}'.`);
        const m = (self.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        }).variable;
        const v = (self.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        }).variable;
        if (gradient === undefined || gradient === null) return;
        const [w1, m1, v1] = tf
          .engine()
          .runKernel(KERNEL, { w: value, m, v, g: gradient }, { ...step }) as tf.Tensor[];
        m.assign(m1 as tf.Tensor);
        v.assign(v1 as tf.Tensor);
        value.assign(w1 as tf.Tensor);
      });
    });
    this.incrementIterations();
  }
}
