import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, singlePort } from './rules.ts';

export const dropoutKind = defineNodeKind({
  kind: 'Dropout',
  title: 'Dropout',
  category: 'trunk',
  doc: 'While training, zeroes a random share of the values.',
  params: z.strictObject({
    rate: z.number().min(0).lt(1).default(0.5).describe('Share of values dropped while training.'),
  }),
  inputPorts: singlePort,
  outputShape: (_p, inputs) => ok(only(inputs).shape),
  paramCount: noParams,
  layer: (p, name) => ({ className: 'Dropout', config: { name, rate: p.rate } }),
  describe: (p) => `rate ${p.rate}`,
});
