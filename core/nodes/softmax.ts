import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, singlePort } from './rules.ts';

export const softmaxKind = defineNodeKind({
  kind: 'Softmax',
  title: 'Softmax',
  category: 'trunk',
  doc: 'Turns the last axis (the channels of an image) into shares that sum to 1.',
  params: z.strictObject({}),
  inputPorts: singlePort,
  outputShape: (_p, inputs) => ok(only(inputs).shape),
  paramCount: noParams,
  layer: (_p, name) => ({ className: 'Softmax', config: { name, axis: -1 } }),
  describe: () => '',
});
