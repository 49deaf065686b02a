import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, singlePort } from './rules.ts';

export const leakyReluKind = defineNodeKind({
  kind: 'LeakyReLU',
  title: 'Leaky ReLU',
  category: 'trunk',
  doc: 'Keeps positive values and scales negative ones by a small slope.',
  params: z.strictObject({
    alpha: z.number().min(0).max(1).default(0.3).describe('The slope for negative values.'),
  }),
  inputPorts: singlePort,
  outputShape: (_p, inputs) => ok(only(inputs).shape),
  paramCount: noParams,
  layer: (p, name) => ({ className: 'LeakyReLU', config: { name, alpha: p.alpha } }),
  describe: (p) => `slope ${p.alpha}`,
});
