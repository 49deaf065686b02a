import { cpus } from 'node:os';
import type { SimdPeak } from './simd-peak.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import type { LayerClass } from '../../core/nodes/kind.ts';
import { kindSpec } from '../../core/nodes/registry.ts';

const size = (shape: readonly number[] | undefined): number =>
  (shape ?? []).reduce((a, b) => a * b, 1);

/** What a node's layer is, as the counts below read it. */
interface LayerWork {
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly (readonly number[])[];
  readonly output: readonly number[];
}

/** The side of a square window given as [k, k] (kernelSize, poolSize). */
const side = (window: unknown): number => (Array.isArray(window) ? Number(window[0]) : 1);
const kernelSide = (config: LayerWork['config']): number => side(config['kernelSize']);

/** Activations a layer may apply to its output, and the operations they take an element. */
const activationOps = (activation: unknown): number =>
  activation === undefined || activation === 'linear' ? 0 : activation === 'softmax' ? 3 : 1;

/**
 * Floating-point operations of one sample's forward pass through a layer of each class: two a
 * multiply-add (the weighted layers), one an addition, product, comparison or elementwise
 * function, none for layers that only move or relabel numbers. Weighted layers are `true` in
 * WEIGHTED below: their backward pass also takes a weight gradient.
 */
const FORWARD_FLOPS: Record<LayerClass, (w: LayerWork) => number> = {
  InputLayer: () => 0,
  Conv2D: ({ config, inputs, output }) => {
    const [oh = 0, ow = 0, filters = 0] = output;
    const k = kernelSide(config);
    return (
      oh * ow * (2 * k * k * (inputs[0]?.[2] ?? 0) + activationOps(config['activation'])) * filters
    );
  },
  // Each input pixel scatters a k×k window of every filter: the multiply-adds of the input side.
  Conv2DTranspose: ({ config, inputs, output }) => {
    const [ih = 0, iw = 0, cin = 0] = inputs[0] ?? [];
    const k = kernelSide(config);
    return (
      2 * ih * iw * k * k * cin * (output[2] ?? 0) +
      activationOps(config['activation']) * size(output)
    );
  },
  DepthwiseConv2D: ({ config, output }) => {
    const k = kernelSide(config);
    return (2 * k * k + activationOps(config['activation'])) * size(output);
  },
  // The depthwise step at C × multiplier channels, then a 1×1 convolution to the filters.
  SeparableConv2D: ({ config, inputs, output }) => {
    const [oh = 0, ow = 0, filters = 0] = output;
    const k = kernelSide(config);
    const middle = (inputs[0]?.[2] ?? 0) * Number(config['depthMultiplier'] ?? 1);
    return (
      oh * ow * middle * 2 * k * k +
      oh * ow * filters * 2 * middle +
      activationOps(config['activation']) * size(output)
    );
  },
  Dense: ({ config, inputs, output }) =>
    (2 * size(inputs[0]) + activationOps(config['activation'])) * size(output),
  // The gate's softmax logits (a Dense to one unit an expert, then softmax), then the weighted sum.
  Gate: ({ config, inputs, output }) => {
    const experts = Number(config['experts'] ?? inputs.length - 1);
    return experts * (2 * size(inputs[0]) + 3) + 2 * experts * size(output);
  },
  // One weight a column: a weighted sum of the columns at every element.
  CrossStitch: ({ inputs, output }) => 2 * inputs.length * size(output),
  Add: ({ inputs, output }) => (inputs.length - 1) * size(output),
  Multiply: ({ inputs, output }) => (inputs.length - 1) * size(output),
  // Nearest copies pixels; bilinear blends two pairs across, then the two results down: three
  // blends a + (b − a)·t of three operations each.
  UpSampling2D: ({ config, output }) =>
    config['interpolation'] === 'bilinear' ? 9 * size(output) : 0,
  // k² − 1 comparisons an output (a max is an instruction like an add); the mean adds k² and scales.
  MaxPooling2D: ({ config, output }) => (side(config['poolSize']) ** 2 - 1) * size(output),
  AveragePooling2D: ({ config, output }) => side(config['poolSize']) ** 2 * size(output),
  GlobalAveragePooling2D: ({ inputs }) => size(inputs[0]),
  // Training mode: the batch mean (1 an element) and variance (3), then (x − mean) · scale + shift
  // (3) with scale = γ / √(variance + ε) computed once a channel.
  BatchNormalization: ({ output }) => 7 * size(output),
  Dropout: ({ output }) => size(output),
  Activation: ({ config, output }) => activationOps(config['activation']) * size(output),
  // A cap (maxValue) is a second comparison.
  ReLU: ({ config, output }) => (config['maxValue'] === undefined ? 1 : 2) * size(output),
  LeakyReLU: ({ output }) => 2 * size(output),
  Softmax: ({ output }) => 3 * size(output),
  Flatten: () => 0,
  Reshape: () => 0,
  Concatenate: () => 0,
  ZeroPadding2D: () => 0,
};

/** Layers with weights, whose backward pass computes a weight gradient beside the input one. */
const WEIGHTED = new Set<LayerClass>([
  'Conv2D',
  'Conv2DTranspose',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'Dense',
  'Gate',
  'CrossStitch',
  'BatchNormalization',
]);

/** One node's forward and training floating-point operations a sample. */
export function nodeFlops(
  className: LayerClass,
  work: LayerWork,
): { forward: number; training: number } {
  const forward = FORWARD_FLOPS[className](work);
  // The input gradient takes about the forward's operations, and so does a weight gradient.
  return { forward, training: forward * (WEIGHTED.has(className) ? 3 : 2) };
}

/**
 * Floating-point operations of one training sample through every node of the graph: forward,
 * the input gradient and (for layers with weights) the weight gradient, each about the forward's
 * count. The optimizer's update and the losses are left out (a few operations a weight or an
 * output, not a sample), so the share of peak computed from it is a slight lower bound.
 */
export function trainingFlops(graph: GraphDocument): number {
  let total = 0;
  for (const node of analyzeGraph(graph).nodes.values()) {
    if (node.params === undefined || node.outputShape === undefined) continue;
    const { className, config } = kindSpec(node.kind).layer(node.params, node.id);
    total += nodeFlops(className, {
      config,
      inputs: node.inputShapes,
      output: node.outputShape,
    }).training;
  }
  return total;
}

export interface Peak {
  readonly ghz: number;
  readonly cores: number;
  /** GFLOP/s of 128-bit SIMD without and with fused multiply-add, and of the CPU's native width. */
  readonly simd128: number;
  readonly simd128Fma: number;
  readonly native: number;
  readonly nativeWidth: number;
  /** Whether the 128-bit rates were measured (simd-peak.ts) rather than estimated from the clock. */
  readonly measured: boolean;
}

/**
 * The machine's peak over `threads` cores. With `measured` (one core's rates from simd-peak.ts):
 * those × the cores, and natively the FMA rate × the native width's lanes over four (what
 * TensorFlow's oneDNN and PyTorch can use; WebAssembly cannot measure it). Without: clock ×
 * threads × two vector instructions a cycle, 4 lanes × 2 = 8 operations a cycle for 128-bit SIMD
 * without FMA, 16 with it, 16 lanes (AVX-512) or 8 (AVX2) × 2 × 2 natively, at the clock the
 * system reports — which the build machine's cores beat twice over (two multiplies and two adds a
 * cycle, and boost), so the measured rates are the ones to divide by.
 */
export function machinePeak(threads: number, cpuinfo: string, measured?: SimdPeak): Peak {
  // Some virtual machines report no speed to Node; /proc/cpuinfo still has the clock.
  const mhz = cpus()[0]?.speed || Number(cpuinfo.match(/^cpu MHz\s*:\s*([\d.]+)/m)?.[1] ?? 0);
  const ghz = mhz / 1000;
  const cpuFlags = cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  const lanes = /\bavx512f\b/.test(cpuFlags) ? 16 : /\bavx2\b/.test(cpuFlags) ? 8 : 4;
  if (measured !== undefined) {
    const fma = (measured.fma ?? measured.plain) * threads;
    return {
      ghz,
      cores: threads,
      simd128: measured.plain * threads,
      simd128Fma: fma,
      native: (fma * lanes) / 4,
      nativeWidth: lanes * 32,
      measured: true,
    };
  }
  const per = ghz * threads * 2;
  return {
    ghz,
    cores: threads,
    simd128: per * 4,
    simd128Fma: per * 4 * 2,
    native: per * lanes * 2,
    nativeWidth: lanes * 32,
    measured: false,
  };
}
