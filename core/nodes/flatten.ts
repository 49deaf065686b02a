import { z } from 'zod';
import { shapeSize } from '../shape.ts';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, singlePort } from './rules.ts';

export const flattenKind = defineNodeKind({
  kind: 'Flatten',
  title: 'Flatten',
  category: 'trunk',
  doc: 'Lays an image out as one long vector for Dense layers.',
  params: z.strictObject({}),
  inputPorts: singlePort,
  outputShape: (_p, inputs) => ok([shapeSize(only(inputs).shape)]),
  paramCount: noParams,
  layer: (_p, name) => ({ className: 'Flatten', config: { name } }),
  describe: () => '',
});
