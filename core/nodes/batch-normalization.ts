import { z } from 'zod';
import { trainableField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { ok, only, singlePort } from './rules.ts';

export const batchNormalizationKind = defineNodeKind({
  kind: 'BatchNormalization',
  title: 'BatchNormalization',
  category: 'trunk',
  doc: 'Normalises each channel over the batch, then scales and shifts it.',
  params: z.strictObject({
    momentum: z
      .number()
      .min(0)
      .max(1)
      .default(0.99)
      .describe('How slowly the running mean and variance follow the batches.'),
    epsilon: z
      .number()
      .gt(0)
      .max(1)
      .default(0.001)
      .describe('Added to the variance so it is never divided by zero.'),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: (_p, inputs) => ok(only(inputs).shape),
  // Keras counts gamma and beta as trainable, the moving mean and variance as non-trainable.
  paramCount: (_p, [shape]) => {
    const channels = shape?.[shape.length - 1] ?? 0;
    return { trainable: 2 * channels, nonTrainable: 2 * channels };
  },
  layer: (p, name) => ({
    className: 'BatchNormalization',
    config: { name, axis: -1, momentum: p.momentum, epsilon: p.epsilon },
  }),
  describe: (p) => `momentum ${p.momentum}`,
});
