/**
 * Trains a tiny multi-task graph a few steps on WebGPU and on WebAssembly from the same weights
 * and batches, and prints one JSON line (a ParityReport) comparing losses and gradients, with
 * each backend's convolution filter gradient checked against a float64 reference.
 *
 * Its own process, because Dawn reads the Vulkan driver settings (VK_ICD_FILENAMES, the loader's
 * library path) only when the process starts: webgpu-parity.test.ts starts it on SwiftShader.
 */
import type { BackendName } from '../../core/contract/training.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { initBackend, releaseBackend } from './backend.ts';
import { makeBatch } from './batches.ts';
import { compileGraph } from './compile.ts';
import { outputsOf } from './evaluate.ts';
import { createOptimizer } from './optimizer.ts';
import { fixedTotal } from './balancing/step-kit.ts';
import { batchLosses } from './split-stats.ts';
import { tinyReferenceGraph } from './test-graphs.ts';
import { tf, type Tensor } from './tf.ts';

const STEPS = 3;
const BATCH = 8;

interface Trace {
  readonly description: string;
  /** The trainable weights' names, in the model's order (the order of the arrays below). */
  readonly names: string[];
  readonly initial: Float32Array[];
  readonly losses: number[];
  /** Gradients of each step, in the weights' order. */
  readonly grads: Float32Array[][];
  /** Tensors and backend data buffers left behind by the run (0 when nothing leaked). */
  readonly leftTensors: number;
  readonly leftBuffers: number;
  /** GPU bytes in use after the run, queued work flushed. */
  readonly bytesAfter: number;
}

interface Difference {
  readonly what: string;
  /** |a − b|, the largest over the elements. */
  readonly abs: number;
  /** The largest |a − b| over the largest |b|: relative to the quantity's own scale. */
  readonly rel: number;
}

export interface ParityReport {
  readonly webgpu: string;
  readonly wasm: string;
  readonly steps: number;
  readonly sameInitialWeights: boolean;
  readonly losses: Difference[];
  readonly grads: Difference[];
  /** Each backend's filter gradient of a lone convolution against float64. */
  readonly convFilterVsFloat64: { readonly webgpu: Difference; readonly wasm: Difference };
  /**
   * Left behind by a run on WebGPU, and how far the GPU memory in use grew over a second run
   * (the backend's byte count moves with its pending work, so one run alone says little).
   */
  readonly leaks: {
    readonly tensors: number;
    readonly dataBuffers: number;
    readonly gpuBytesGrowth: number;
  };
  readonly restarted: boolean;
}

/**
 * GPU bytes held by tensors. Reading a value first submits the queued work, which is when the
 * WebGPU backend lets go of what disposed tensors and finished kernels held.
 */
async function bytesInUse(): Promise<number> {
  const probe = tf.tidy(() => tf.scalar(1).add(1));
  await probe.data();
  probe.dispose();
  return (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? 0;
}

const graph = tinyReferenceGraph();
const data = loadBuiltInDataset('digits', { imageShape: [16, 16, 3], seed: 3, limit: 40 });

async function trace(name: BackendName): Promise<Trace> {
  const info = await initBackend(name, { allowFallbackAdapter: true });
  if (info.name !== name) {
    throw new Error(`${name} did not start: ${info.fallbacks.map((f) => f.reason).join('; ')}`);
  }
  const before = tf.memory();
  const { model, heads } = compileGraph(graph);
  const optimizer = createOptimizer({ ...graph.training, optimizer: 'adam' });
  const weights = model.trainableWeights;
  const variables = weights.map((w) => w.read() as tf.Variable);
  const initial = await Promise.all(variables.map(async (v) => (await v.data()) as Float32Array));
  const losses: number[] = [];
  const grads: Float32Array[][] = [];
  for (let step = 0; step < STEPS; step++) {
    const indices = Int32Array.from({ length: BATCH }, (_, i) => step * BATCH + i);
    const batch = makeBatch(data.splits.train, data.imageShape, heads, indices);
    const { value, grads: g } = tf.variableGrads(() => {
      const preds = outputsOf(model.apply(batch.x, { training: true }) as Tensor | Tensor[]);
      return fixedTotal(heads, batchLosses(heads, batch.ys, preds).means);
    }, variables);
    losses.push((await value.data())[0] as number);
    grads.push(
      await Promise.all(
        variables.map(async (v) => (await (g[v.name] as Tensor).data()) as Float32Array),
      ),
    );
    optimizer.applyGradients(g);
    tf.dispose([value, ...Object.values(g), batch.x, ...batch.ys]);
  }
  optimizer.dispose();
  model.dispose();
  return {
    description: info.description,
    names: weights.map((w) => w.originalName),
    initial,
    losses,
    grads,
    leftTensors: tf.memory().numTensors - before.numTensors,
    leftBuffers: tf.memory().numDataBuffers - before.numDataBuffers,
    bytesAfter: await bytesInUse(),
  };
}

function difference(what: string, a: ArrayLike<number>, b: ArrayLike<number>): Difference {
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    abs = Math.max(abs, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return { what, abs, rel: scale > 0 ? abs / scale : abs };
}

/** dW[kh,kw,ci,co] = Σ x[b, y+kh−p, x+kw−p, ci] · dy[b,y,x,co], 'same' padding, stride 1, in float64. */
function filterGradFloat64(
  x: Float32Array,
  dy: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
  k: number,
  filters: number,
): Float64Array {
  const pad = (k - 1) >> 1;
  const dw = new Float64Array(k * k * c * filters);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let kh = 0; kh < k; kh++) {
          const iy = y + kh - pad;
          if (iy < 0 || iy >= h) continue;
          for (let kw = 0; kw < k; kw++) {
            const ix = xx + kw - pad;
            if (ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const xv = x[((b * h + iy) * w + ix) * c + ci] as number;
              const base = ((kh * k + kw) * c + ci) * filters;
              const dyBase = ((b * h + y) * w + xx) * filters;
              for (let co = 0; co < filters; co++) {
                dw[base + co] = (dw[base + co] as number) + xv * (dy[dyBase + co] as number);
              }
            }
          }
        }
      }
    }
  }
  return dw;
}

/**
 * The filter gradient of sum(conv(x, k) · r): its output gradient is exactly r, so the float64
 * reference needs no other backend.
 */
async function convFilterCheck(name: BackendName): Promise<Difference> {
  await initBackend(name, { allowFallbackAdapter: true });
  const shape: [number, number, number, number] = [4, 16, 16, 8];
  const filters = 16;
  const x = tf.randomUniform(shape, -1, 1, 'float32', 11) as tf.Tensor4D;
  const r = tf.randomUniform([4, 16, 16, filters], -1, 1, 'float32', 12);
  const k = tf.randomUniform([3, 3, shape[3], filters], -0.3, 0.3, 'float32', 13) as tf.Tensor4D;
  const dk = tf.grad((kernel) =>
    tf
      .conv2d(x, kernel as tf.Tensor4D, 1, 'same')
      .mul(r)
      .sum(),
  )(k);
  const reference = filterGradFloat64(
    (await x.data()) as Float32Array,
    (await r.data()) as Float32Array,
    shape,
    3,
    filters,
  );
  const got = await dk.data();
  tf.dispose([x, r, k, dk]);
  return difference(`${name} conv filter gradient vs float64`, got, reference);
}

async function main(): Promise<void> {
  const wasm = await trace('wasm');
  const webgpu = await trace('webgpu');
  const second = await trace('webgpu');
  const names = wasm.names;
  const sameInitialWeights =
    names.join() === webgpu.names.join() &&
    wasm.initial.every((w, i) => difference('', webgpu.initial[i] ?? [], w).abs === 0);
  const losses = wasm.losses.map((l, s) =>
    difference(`loss, step ${s + 1}`, [webgpu.losses[s] ?? NaN], [l]),
  );
  const grads = wasm.grads.flatMap((stepGrads, s) =>
    stepGrads.map((g, i) =>
      difference(`${names[i]} gradient, step ${s + 1}`, webgpu.grads[s]?.[i] ?? [], g),
    ),
  );
  const convFilterVsFloat64 = {
    webgpu: await convFilterCheck('webgpu'),
    wasm: await convFilterCheck('wasm'),
  };
  // A second start after letting go of the device: a fresh device, nothing held over.
  await releaseBackend();
  const again = await initBackend('webgpu', { allowFallbackAdapter: true });
  const restarted = again.name === 'webgpu' && (await tf.ones([2]).sum().data())[0] === 2;
  await releaseBackend();
  const report: ParityReport = {
    webgpu: webgpu.description,
    wasm: wasm.description,
    steps: STEPS,
    sameInitialWeights,
    losses,
    grads,
    convFilterVsFloat64,
    leaks: {
      tensors: webgpu.leftTensors + second.leftTensors,
      dataBuffers: webgpu.leftBuffers + second.leftBuffers,
      gpuBytesGrowth: second.bytesAfter - webgpu.bytesAfter,
    },
    restarted,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
