import type { ActivationName } from './fields.ts';
import type { LayerSpec, ParamCount, ShapeResult, IncomingShape } from './kind.ts';
import { denseParams, ok, only, requireImage, requireVector } from './rules.ts';
import type { Shape } from '../shape.ts';

/**
 * A vector task head is a Dense output layer with a fixed activation; what differs is the task
 * (loss, metrics, target). These pieces are shared by the vector head kinds.
 */
export const headShape =
  <P>(units: (p: P) => number) =>
  (p: P, inputs: readonly IncomingShape[], self: string): ShapeResult =>
    requireVector(self, only(inputs)) ?? ok([units(p)]);

export const headParams =
  <P>(units: (p: P) => number) =>
  (p: P, [shape]: readonly Shape[]): ParamCount =>
    denseParams(shape?.[0] ?? 0, units(p), true);

export const headLayer =
  <P>(units: (p: P) => number, activation: ActivationName) =>
  (p: P, name: string): LayerSpec => ({
    className: 'Dense',
    config: { name, units: units(p), activation, useBias: true },
  });

/**
 * A head on a feature map (a mask, depth, normals, detection maps) is a 1×1 convolution: at
 * every position of an [H, W, C] input it outputs `channels(p)` numbers, so the head's output
 * is [H, W, channels] and its resolution is the map's.
 */
export const mapHeadShape =
  <P>(channels: (p: P) => number) =>
  (p: P, inputs: readonly IncomingShape[], self: string): ShapeResult => {
    const input = only(inputs);
    const [height, width] = input.shape;
    return requireImage(self, input) ?? ok([height ?? 0, width ?? 0, channels(p)]);
  };

export const mapHeadParams =
  <P>(channels: (p: P) => number) =>
  (p: P, [shape]: readonly Shape[]): ParamCount =>
    denseParams(shape?.[2] ?? 0, channels(p), true);

export const mapHeadLayer =
  <P>(channels: (p: P) => number, activation: ActivationName) =>
  (p: P, name: string): LayerSpec => ({
    className: 'Conv2D',
    config: {
      name,
      filters: channels(p),
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'valid',
      activation,
      useBias: true,
    },
  });
