import { z } from 'zod';
import { intField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { sameShapeInputs } from './rules.ts';

/** A column's own input comes first, then the other columns it mixes in. */
export const crossStitchPorts = (p: { columns: number }): readonly string[] => [
  'own',
  ...Array.from({ length: p.columns - 1 }, (_, i) => `other${i + 1}`),
];

/**
 * One output column of a cross-stitch unit (Misra et al. 2016): a node has one output here, so a
 * unit over K columns is K of these nodes, each reading all K columns with its own column first.
 * Each holds its row of the unit's K × K mixing matrix, which is all the unit learns.
 */
export const crossStitchKind = defineNodeKind({
  kind: 'CrossStitch',
  title: 'Cross-stitch',
  category: 'merge',
  doc: 'One task column of a cross-stitch unit: a learned weighted sum of its own column and the others (Misra et al. 2016).',
  params: z.strictObject({
    columns: intField(2, 8, 2, 'How many task columns it mixes, its own included.'),
    selfWeight: z
      .number()
      .min(0)
      .max(1)
      .default(0.9)
      .describe(
        'Starting weight of its own column; the other columns share the rest (near 1 starts near separate columns).',
      ),
  }),
  inputPorts: crossStitchPorts,
  outputShape: (_p, inputs, self) => sameShapeInputs(self, inputs, 'columns'),
  paramCount: (p) => ({ trainable: p.columns, nonTrainable: 0 }),
  layer: (p, name) => ({
    className: 'CrossStitch',
    config: { name, columns: p.columns, selfWeight: p.selfWeight },
  }),
  describe: (p) => `${p.columns} columns, own ${p.selfWeight}`,
});
