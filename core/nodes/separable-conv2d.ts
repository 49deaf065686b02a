import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { depthMultiplierField, depthwiseKernelCount, depthwiseShape } from './depthwise-conv2d.ts';
import { activationField, intField, paddingField, trainableField, useBiasField } from './fields.ts';
import { singlePort } from './rules.ts';

export const separableConv2dKind = defineNodeKind({
  kind: 'SeparableConv2D',
  title: 'SeparableConv2D',
  category: 'trunk',
  doc: 'A depthwise convolution of each channel, then a 1×1 convolution mixing the channels.',
  params: z.strictObject({
    filters: intField(1, 4096, 32, 'Number of filters, the output channels.'),
    kernelSize: intField(1, 11, 3, 'Side of the square filter window in pixels.'),
    strides: intField(1, 4, 1, 'Step between windows; 2 halves the size.'),
    padding: paddingField('same'),
    depthMultiplier: depthMultiplierField(),
    activation: activationField('relu'),
    useBias: useBiasField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: (p, inputs, self) => depthwiseShape(p, inputs, self, p.filters),
  // The bias is the pointwise step's only: one per filter.
  paramCount: (p, shapes) => ({
    trainable:
      depthwiseKernelCount(p, shapes) +
      (shapes[0]?.[2] ?? 0) * p.depthMultiplier * p.filters +
      (p.useBias ? p.filters : 0),
    nonTrainable: 0,
  }),
  layer: (p, name) => ({
    className: 'SeparableConv2D',
    config: {
      name,
      filters: p.filters,
      kernelSize: [p.kernelSize, p.kernelSize],
      strides: [p.strides, p.strides],
      padding: p.padding,
      depthMultiplier: p.depthMultiplier,
      activation: p.activation,
      useBias: p.useBias,
    },
  }),
  describe: (p) =>
    `${p.filters} ${p.kernelSize}×${p.kernelSize}${p.strides > 1 ? ` /${p.strides}` : ''} ×${p.depthMultiplier} ${p.padding} ${p.activation}`,
});
