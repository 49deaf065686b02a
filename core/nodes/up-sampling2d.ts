import { z } from 'zod';
import { intField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, requireImage, singlePort } from './rules.ts';

/**
 * Keras' UpSampling2D. Its `size` is one factor per axis; the node keeps two integer fields
 * rather than a pair, so the inspector edits them as numbers like every other field.
 */
export const upSampling2dKind = defineNodeKind({
  kind: 'UpSampling2D',
  title: 'UpSampling2D',
  category: 'trunk',
  doc: 'Enlarges the image by whole factors, repeating or blending pixels: the decoder’s way back up.',
  params: z.strictObject({
    heightFactor: intField(1, 8, 2, 'Factor the height is multiplied by.'),
    widthFactor: intField(1, 8, 2, 'Factor the width is multiplied by.'),
    interpolation: z
      .enum(['nearest', 'bilinear'])
      .default('nearest')
      .describe("'nearest' repeats each pixel; 'bilinear' blends its neighbours."),
  }),
  inputPorts: singlePort,
  outputShape: (p, inputs, self) => {
    const input = only(inputs);
    const bad = requireImage(self, input);
    if (bad) return bad;
    const [h = 0, w = 0, c = 0] = input.shape;
    return ok([h * p.heightFactor, w * p.widthFactor, c]);
  },
  paramCount: noParams,
  layer: (p, name) => ({
    className: 'UpSampling2D',
    config: { name, size: [p.heightFactor, p.widthFactor], interpolation: p.interpolation },
  }),
  describe: (p) => `×${p.heightFactor}×${p.widthFactor} ${p.interpolation}`,
});
