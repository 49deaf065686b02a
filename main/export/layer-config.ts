import type { ActivationName } from '../../core/nodes/fields.ts';
import type { LayerClass } from '../../core/nodes/kind.ts';
import { kindSpec } from '../../core/nodes/registry.ts';
import type { ModelNode, Weight } from './source.ts';

/**
 * A node's layer as the engine builds it (Keras' vocabulary), so every format reads kernel
 * sizes, strides, padding and activations from the same description the model was trained with.
 */
export interface LayerConfig {
  readonly units?: number;
  readonly filters?: number;
  /** A depthwise step's filters per input channel. */
  readonly depthMultiplier?: number;
  readonly kernelSize?: readonly [number, number];
  readonly poolSize?: readonly [number, number];
  readonly strides?: readonly [number, number];
  readonly padding?: 'same' | 'valid';
  readonly activation?: ActivationName;
  readonly useBias?: boolean;
  readonly axis?: number;
  readonly rate?: number;
  readonly momentum?: number;
  readonly epsilon?: number;
  /** UpSampling2D's factors [height, width] and how it fills the new pixels. */
  readonly size?: readonly [number, number];
  readonly interpolation?: 'nearest' | 'bilinear';
  /** ReLU's cap (absent: none). */
  readonly maxValue?: number;
  /** LeakyReLU's slope for negative values. */
  readonly alpha?: number;
  /** A Gate's number of experts. */
  readonly experts?: number;
  /** A cross-stitch column's number of columns and the starting weight of its own. */
  readonly columns?: number;
  readonly selfWeight?: number;
  /** Reshape's new shape, channels-last. */
  readonly targetShape?: readonly number[];
}

export const layerConfig = (node: ModelNode): LayerConfig =>
  kindSpec(node.kind).layer(node.params, node.id).config as LayerConfig;

/** The bias a node's layer starts from where it is not zeros (a detection head's heatmap prior). */
export const initialBias = (node: ModelNode): readonly number[] | undefined =>
  kindSpec(node.kind).layer(node.params, node.id).initialBias;

/** A ZeroPadding2D's [top, bottom, left, right], from its Keras padding ((top, bottom), (left, right)). */
export function paddingSides(node: ModelNode): [number, number, number, number] {
  const config = kindSpec(node.kind).layer(node.params, node.id).config;
  const [[top = 0, bottom = 0] = [], [left = 0, right = 0] = []] = config.padding as number[][];
  return [top, bottom, left, right];
}

/** The Keras layer class a node becomes: what every exporter keys its code on (a head is a Dense). */
export const layerClass = (node: ModelNode): LayerClass =>
  kindSpec(node.kind).layer(node.params, node.id).className;

/** Padding before and after one spatial axis, as TensorFlow pads for 'same' (extra at the end). */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** [top, left, bottom, right] padding of a 2-D window over an [H, W, C] input. */
export function windowPadding(
  inputShape: readonly number[],
  window: readonly [number, number],
  strides: readonly [number, number],
  padding: 'same' | 'valid',
): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const [top, bottom] = samePadding(inputShape[0] ?? 0, window[0], strides[0]);
  const [left, right] = samePadding(inputShape[1] ?? 0, window[1], strides[1]);
  return [top, left, bottom, right];
}

/**
 * How a transposed convolution of `size` pixels along one axis reaches the length TensorFlow.js
 * gives it: the full result of the window at every step is `(size - 1) × stride + kernel`;
 * TensorFlow.js crops what is longer as its forward 'same' convolution pads (the extra at the
 * end), and fills what is shorter (a kernel smaller than the stride) with rows that only the
 * bias reaches, at the end. `crop` is [before, after]; `extra` the rows added at the end.
 */
export function transposedCrop(
  size: number,
  out: number,
  kernel: number,
  stride: number,
): { crop: [number, number]; extra: number } {
  const full = (size - 1) * stride + kernel;
  if (full < out) return { crop: [0, 0], extra: out - full };
  const before = Math.floor((full - out) / 2);
  return { crop: [before, full - out - before], extra: 0 };
}

/** The input axis a merge joins along, counting the batch axis, as the engine's layer reads it. */
export function mergeAxis(axis: number, rankWithoutBatch: number): number {
  return axis < 0 ? rankWithoutBatch + 1 + axis : axis;
}

/** A Keras [kh, kw, in, out] convolution kernel as ONNX's and PyTorch's [out, in, kh, kw]. */
export function channelsFirstKernel(w: Weight): { dims: number[]; values: Float32Array } {
  const [kh = 0, kw = 0, cin = 0, cout = 0] = w.shape;
  const values = new Float32Array(w.values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          values[((o * cin + i) * kh + y) * kw + x] =
            w.values[((y * kw + x) * cin + i) * cout + o]!;
  return { dims: [cout, cin, kh, kw], values };
}

/** A Keras Dense kernel [in, out] as PyTorch's Linear weight [out, in]. */
export function transposedKernel(w: Weight): { dims: number[]; values: Float32Array } {
  const [rows = 0, cols = 0] = w.shape;
  const values = new Float32Array(w.values.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) values[c * rows + r] = w.values[r * cols + c]!;
  return { dims: [cols, rows], values };
}

/** A merge axis (counting the batch) in a channels-first tensor of the same value. */
export const channelsFirstAxis = (axis: number, rankWithoutBatch: number): number =>
  rankWithoutBatch === 3 ? ([0, 2, 3, 1][axis] ?? axis) : axis;

/**
 * A Keras depthwise kernel [kh, kw, C, multiplier] as the weight of a convolution grouped by
 * channel, [C·multiplier, 1, kh, kw]: output channel c·multiplier + q reads input channel c, in
 * both, so it is the channels-first move of the kernel seen as [kh, kw, 1, C·multiplier].
 */
export function depthwiseKernel(w: Weight): { dims: number[]; values: Float32Array } {
  const [kh = 0, kw = 0, cin = 0, multiplier = 0] = w.shape;
  return channelsFirstKernel({ ...w, shape: [kh, kw, 1, cin * multiplier] });
}
