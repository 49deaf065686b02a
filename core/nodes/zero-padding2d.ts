import { z } from 'zod';
import { intField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, requireImage, singlePort } from './rules.ts';

const side = (where: string) => intField(0, 64, 1, `Rows or columns of zeros added ${where}.`);

export const zeroPadding2dKind = defineNodeKind({
  kind: 'ZeroPadding2D',
  title: 'Zero padding',
  category: 'trunk',
  doc: 'Adds rows and columns of zeros around the image (MobileNet pads before a strided Conv2D).',
  params: z.strictObject({
    top: side('above'),
    bottom: side('below'),
    left: side('on the left'),
    right: side('on the right'),
  }),
  inputPorts: singlePort,
  outputShape: (p, inputs, self) => {
    const input = only(inputs);
    const [height = 0, width = 0, channels = 0] = input.shape;
    return (
      requireImage(self, input) ??
      ok([height + p.top + p.bottom, width + p.left + p.right, channels])
    );
  },
  paramCount: noParams,
  layer: (p, name) => ({
    className: 'ZeroPadding2D',
    config: {
      name,
      padding: [
        [p.top, p.bottom],
        [p.left, p.right],
      ],
    },
  }),
  describe: (p) => `${p.top} ${p.bottom} ${p.left} ${p.right}`,
});
