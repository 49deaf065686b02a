import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, requireImage, singlePort } from './rules.ts';

export const globalAveragePooling2dKind = defineNodeKind({
  kind: 'GlobalAveragePooling2D',
  title: 'GlobalAveragePooling2D',
  category: 'trunk',
  doc: 'Averages each channel over the whole image: one value per channel.',
  params: z.strictObject({}),
  inputPorts: singlePort,
  outputShape: (_p, inputs, self) => {
    const input = only(inputs);
    return requireImage(self, input) ?? ok([input.shape[2] ?? 0]);
  },
  paramCount: noParams,
  layer: (_p, name) => ({ className: 'GlobalAveragePooling2D', config: { name } }),
  describe: () => '',
});
