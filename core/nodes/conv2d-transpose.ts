import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { convolutionLayer, convolutionParams, convolutionShape } from './convolution.ts';
import { activationField, intField, l2Field, useBiasField, trainableField } from './fields.ts';
import { singlePort } from './rules.ts';

/**
 * Output length of a transposed convolution along one axis, as Keras and TensorFlow.js compute
 * it (`deconvLength`): 'same' multiplies by the stride; 'valid' adds the part of the window
 * that sticks out past the last step, if any.
 */
export const transposedOutputLength = (
  size: number,
  kernel: number,
  stride: number,
  padding: 'same' | 'valid',
): number => (padding === 'same' ? size * stride : size * stride + Math.max(kernel - stride, 0));

export const conv2dTransposeKind = defineNodeKind({
  kind: 'Conv2DTranspose',
  title: 'Conv2DTranspose',
  category: 'trunk',
  doc: 'A transposed convolution: learned filters that enlarge the image by the stride.',
  params: z.strictObject({
    filters: intField(1, 4096, 32, 'Number of filters, the output channels.'),
    kernelSize: intField(1, 11, 2, 'Side of the square filter window in pixels.'),
    strides: intField(1, 4, 2, 'Factor the image grows by; 2 doubles the size.'),
    padding: z
      .enum(['same', 'valid'])
      .default('same')
      .describe(
        "'same' multiplies the size by the stride; 'valid' also keeps the window's overhang.",
      ),
    activation: activationField('relu'),
    useBias: useBiasField(),
    l2: l2Field(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: convolutionShape(transposedOutputLength),
  // The kernel is [kh, kw, filters, input channels], one bias per filter.
  paramCount: convolutionParams,
  layer: convolutionLayer('Conv2DTranspose'),
  describe: (p) =>
    `${p.filters} ${p.kernelSize}×${p.kernelSize} ×${p.strides} ${p.padding} ${p.activation}`,
});
