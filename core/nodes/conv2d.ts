import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import {
  activationField,
  intField,
  paddingField,
  useBiasField,
  kernelRegularizer,
  l2Field,
} from './fields.ts';
import { only, requireImage, requirePositive, singlePort } from './rules.ts';
import { windowOutputLength } from '../shape.ts';

export const conv2dKind = defineNodeKind({
  kind: 'Conv2D',
  title: 'Conv2D',
  category: 'trunk',
  doc: 'A 2-D convolution: learned filters slid over the image.',
  params: z.strictObject({
    filters: intField(1, 4096, 32, 'Number of filters, the output channels.'),
    kernelSize: intField(1, 11, 3, 'Side of the square filter window in pixels.'),
    strides: intField(1, 4, 1, 'Step between windows; 2 halves the size.'),
    padding: paddingField('same'),
    activation: activationField('relu'),
    useBias: useBiasField(),
    l2: l2Field(),
  }),
  inputPorts: singlePort,
  outputShape: (p, inputs, self) => {
    const input = only(inputs);
    const bad = requireImage(self, input);
    if (bad) return bad;
    const [h = 0, w = 0] = input.shape;
    return requirePositive(self, input, [
      windowOutputLength(h, p.kernelSize, p.strides, p.padding),
      windowOutputLength(w, p.kernelSize, p.strides, p.padding),
      p.filters,
    ]);
  },
  paramCount: (p, [shape]) => {
    const channels = shape?.[2] ?? 0;
    return {
      trainable: p.kernelSize * p.kernelSize * channels * p.filters + (p.useBias ? p.filters : 0),
      nonTrainable: 0,
    };
  },
  layer: (p, name) => ({
    className: 'Conv2D',
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
  }),
  describe: (p) =>
    `${p.filters} ${p.kernelSize}×${p.kernelSize}${p.strides > 1 ? ` /${p.strides}` : ''} ${p.padding} ${p.activation}`,
});
