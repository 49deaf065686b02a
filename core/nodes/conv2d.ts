import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { convolutionLayer, convolutionParams, convolutionShape } from './convolution.ts';
import {
  activationField,
  intField,
  paddingField,
  useBiasField,
  l2Field,
  trainableField,
} from './fields.ts';
import { singlePort } from './rules.ts';
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
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: convolutionShape(windowOutputLength),
  paramCount: convolutionParams,
  layer: convolutionLayer('Conv2D'),
  describe: (p) =>
    `${p.filters} ${p.kernelSize}×${p.kernelSize}${p.strides > 1 ? ` /${p.strides}` : ''} ${p.padding} ${p.activation}`,
});
