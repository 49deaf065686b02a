import type { ActivationName } from '../../core/nodes/fields.ts';
import { kindSpec } from '../../core/nodes/registry.ts';
import type { ModelNode } from './source.ts';

/**
 * A node's layer as the engine builds it (Keras' vocabulary), so every format reads kernel
 * sizes, strides, padding and activations from the same description the model was trained with.
 */
export interface LayerConfig {
  readonly units?: number;
  readonly filters?: number;
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
}

export const layerConfig = (node: ModelNode): LayerConfig =>
  kindSpec(node.kind).layer(node.params, node.id).config as LayerConfig;

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

/** The input axis a merge joins along, counting the batch axis, as the engine's layer reads it. */
export function mergeAxis(axis: number, rankWithoutBatch: number): number {
  return axis < 0 ? rankWithoutBatch + 1 + axis : axis;
}
