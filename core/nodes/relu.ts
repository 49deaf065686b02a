import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, singlePort } from './rules.ts';

export const reluKind = defineNodeKind({
  kind: 'ReLU',
  title: 'ReLU',
  category: 'trunk',
  doc: 'Keeps positive values, capped at a maximum if one is set (6 gives MobileNet’s ReLU6).',
  params: z.strictObject({
    // 0 stands for "no cap": a ReLU capped at 0 would pass nothing, and a form field wants a number.
    maxValue: z
      .number()
      .min(0)
      .default(0)
      .describe('The largest value let through (6 for ReLU6); 0 for no cap.'),
  }),
  inputPorts: singlePort,
  outputShape: (_p, inputs) => ok(only(inputs).shape),
  paramCount: noParams,
  layer: (p, name) => ({
    className: 'ReLU',
    config: p.maxValue === 0 ? { name } : { name, maxValue: p.maxValue },
  }),
  describe: (p) => (p.maxValue === 0 ? '' : `max ${p.maxValue}`),
});
