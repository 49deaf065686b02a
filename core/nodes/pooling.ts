import { z } from 'zod';
import { windowOutputLength } from '../shape.ts';
import { intField, paddingField } from './fields.ts';
import type { NodeKindSpec } from './kind.ts';
import { noParams, only, requireImage, requirePositive, singlePort } from './rules.ts';

const poolParams = z.strictObject({
  poolSize: intField(1, 8, 2, 'Side of the square pooling window.'),
  strides: intField(0, 8, 0, 'Step between windows; 0 means the pool size.'),
  padding: paddingField('valid'),
});
type PoolParams = z.infer<typeof poolParams>;

const stride = (p: PoolParams) => (p.strides === 0 ? p.poolSize : p.strides);

/** Max and average pooling share everything but the reduction, so one definition makes both. */
export function definePooling(
  kind: 'MaxPooling2D' | 'AveragePooling2D',
  doc: string,
): NodeKindSpec<typeof poolParams> {
  return {
    kind,
    title: kind,
    category: 'trunk',
    doc,
    params: poolParams,
    inputPorts: singlePort,
    outputShape: (p, inputs, self) => {
      const input = only(inputs);
      const bad = requireImage(self, input);
      if (bad) return bad;
      const [h = 0, w = 0, c = 0] = input.shape;
      return requirePositive(self, input, [
        windowOutputLength(h, p.poolSize, stride(p), p.padding),
        windowOutputLength(w, p.poolSize, stride(p), p.padding),
        c,
      ]);
    },
    paramCount: noParams,
    layer: (p, name) => ({
      className: kind,
      config: {
        name,
        poolSize: [p.poolSize, p.poolSize],
        strides: [stride(p), stride(p)],
        padding: p.padding,
      },
    }),
    describe: (p) =>
      `${p.poolSize}×${p.poolSize}${stride(p) !== p.poolSize ? ` /${stride(p)}` : ''} ${p.padding}`,
  };
}
