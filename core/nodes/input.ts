import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { intField } from './fields.ts';
import { noParams, noPorts, ok } from './rules.ts';

export const inputKind = defineNodeKind({
  kind: 'Input',
  title: 'Input',
  category: 'input',
  doc: 'The image the model sees: height × width × channels.',
  params: z.strictObject({
    height: intField(8, 512, 64, 'Image height in pixels.'),
    width: intField(8, 512, 64, 'Image width in pixels.'),
    channels: intField(1, 4, 3, 'Colour channels: 1 for grey, 3 for RGB.'),
  }),
  inputPorts: noPorts,
  outputShape: (p) => ok([p.height, p.width, p.channels]),
  paramCount: noParams,
  layer: (p, name) => ({
    className: 'InputLayer',
    config: { name, batchInputShape: [null, p.height, p.width, p.channels], dtype: 'float32' },
  }),
  describe: (p) => `${p.height}×${p.width}×${p.channels}`,
});
