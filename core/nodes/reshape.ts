import { z } from 'zod';
import { formatShape, shapeSize } from '../shape.ts';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, singlePort } from './rules.ts';

/** "1x1x1024" → [1, 1, 1024]. */
export const reshapeTarget = (text: string): number[] => text.split('x').map(Number);

export const reshapeKind = defineNodeKind({
  kind: 'Reshape',
  title: 'Reshape',
  category: 'trunk',
  doc: 'Lays the same values out in another shape (channels-last order), as an image or a vector.',
  params: z.strictObject({
    shape: z
      .string()
      .regex(/^[1-9][0-9]*(x[1-9][0-9]*){0,2}$/)
      .refine((s) => s.split('x').length !== 2, 'A shape is an image HxWxC or a vector N.')
      .default('1x1x1')
      .describe('The new shape: HxWxC for an image (e.g. 1x1x1024) or N for a vector.'),
  }),
  inputPorts: singlePort,
  outputShape: (p, inputs, self) => {
    const input = only(inputs);
    const shape = reshapeTarget(p.shape);
    if (shapeSize(shape) === shapeSize(input.shape)) return ok(shape);
    return {
      ok: false,
      code: 'E_SHAPE_MISMATCH',
      message: `${self} makes ${formatShape(shape)} (${shapeSize(shape)} values) but ${input.from} gives ${formatShape(input.shape)} (${shapeSize(input.shape)}); the sizes must be equal.`,
    };
  },
  paramCount: noParams,
  layer: (p, name) => ({
    className: 'Reshape',
    config: { name, targetShape: reshapeTarget(p.shape) },
  }),
  describe: (p) => p.shape.replaceAll('x', '×'),
});
