import { z } from 'zod';
import type { IncomingShape, ShapeResult } from './kind.ts';
import { defineNodeKind } from './kind.ts';
import { activationField, intField, paddingField, trainableField, useBiasField } from './fields.ts';
import { only, requireImage, requirePositive, singlePort } from './rules.ts';
import { windowOutputLength, type Shape } from '../shape.ts';

/** What both depthwise kinds (DepthwiseConv2D, SeparableConv2D) share in their parameters. */
export interface DepthwiseParams {
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly depthMultiplier: number;
}

export const depthMultiplierField = () =>
  intField(1, 16, 1, 'Filters per input channel in the depthwise step.');

/** The spatial size after the depthwise step, with `channels` output channels (0: C × multiplier). */
export function depthwiseShape(
  p: DepthwiseParams,
  inputs: readonly IncomingShape[],
  self: string,
  channels = 0,
): ShapeResult {
  const input = only(inputs);
  const bad = requireImage(self, input);
  if (bad) return bad;
  const [h = 0, w = 0, c = 0] = input.shape;
  return requirePositive(self, input, [
    windowOutputLength(h, p.kernelSize, p.strides, p.padding),
    windowOutputLength(w, p.kernelSize, p.strides, p.padding),
    channels || c * p.depthMultiplier,
  ]);
}

/** One k×k kernel per input channel and multiplier. */
export const depthwiseKernelCount = (p: DepthwiseParams, [shape]: readonly Shape[]): number =>
  p.kernelSize * p.kernelSize * (shape?.[2] ?? 0) * p.depthMultiplier;

export const depthwiseConv2dKind = defineNodeKind({
  kind: 'DepthwiseConv2D',
  title: 'DepthwiseConv2D',
  category: 'trunk',
  doc: 'A 2-D convolution of each channel on its own: one filter (or a few) per input channel.',
  params: z.strictObject({
    kernelSize: intField(1, 11, 3, 'Side of the square filter window in pixels.'),
    strides: intField(1, 4, 1, 'Step between windows; 2 halves the size.'),
    padding: paddingField('same'),
    depthMultiplier: depthMultiplierField(),
    activation: activationField('linear'),
    useBias: useBiasField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: (p, inputs, self) => depthwiseShape(p, inputs, self),
  paramCount: (p, shapes) => ({
    trainable:
      depthwiseKernelCount(p, shapes) + (p.useBias ? (shapes[0]?.[2] ?? 0) * p.depthMultiplier : 0),
    nonTrainable: 0,
  }),
  layer: (p, name) => ({
    className: 'DepthwiseConv2D',
    config: {
      name,
      kernelSize: [p.kernelSize, p.kernelSize],
      strides: [p.strides, p.strides],
      padding: p.padding,
      depthMultiplier: p.depthMultiplier,
      activation: p.activation,
      useBias: p.useBias,
    },
  }),
  describe: (p) =>
    `${p.kernelSize}×${p.kernelSize}${p.strides > 1 ? ` /${p.strides}` : ''} ×${p.depthMultiplier} ${p.padding} ${p.activation}`,
});
