import type { ActivationName } from './fields.ts';
import { kernelRegularizer } from './fields.ts';
import type { IncomingShape, LayerSpec, ParamCount, ShapeResult } from './kind.ts';
import { only, requireImage, requirePositive } from './rules.ts';
import type { Shape } from '../shape.ts';

/** What every convolution node kind (Conv2D, Conv2DTranspose) has in its parameters. */
export interface ConvolutionParams {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly l2: number;
}

/** The shape rule, given how one spatial axis changes (its length, kernel, stride, padding). */
export const convolutionShape =
  (length: (size: number, kernel: number, stride: number, padding: 'same' | 'valid') => number) =>
  (p: ConvolutionParams, inputs: readonly IncomingShape[], self: string): ShapeResult => {
    const input = only(inputs);
    const bad = requireImage(self, input);
    if (bad) return bad;
    const [h = 0, w = 0] = input.shape;
    return requirePositive(self, input, [
      length(h, p.kernelSize, p.strides, p.padding),
      length(w, p.kernelSize, p.strides, p.padding),
      p.filters,
    ]);
  };

/** A square kernel per filter and input channel, and one bias per filter. */
export const convolutionParams = (p: ConvolutionParams, [shape]: readonly Shape[]): ParamCount => {
  const channels = shape?.[2] ?? 0;
  return {
    trainable: p.kernelSize * p.kernelSize * channels * p.filters + (p.useBias ? p.filters : 0),
    nonTrainable: 0,
  };
};

/** The TensorFlow.js layer, whose config the two classes share. */
export const convolutionLayer =
  (className: 'Conv2D' | 'Conv2DTranspose') =>
  (p: ConvolutionParams, name: string): LayerSpec => ({
    className,
    config: {
      name,
      filters: p.filters,
      kernelSize: [p.kernelSize, p.kernelSize],
      strides: [p.strides, p.strides],
      padding: p.padding,
      activation: p.activation,
      useBias: p.useBias,
      ...kernelRegularizer(p.l2),
    },
  });
