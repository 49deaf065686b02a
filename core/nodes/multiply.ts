import { z } from 'zod';
import { mergeInputsField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { mergePorts, noParams, sameShapeInputs } from './rules.ts';

export const multiplyKind = defineNodeKind({
  kind: 'Multiply',
  title: 'Multiply',
  category: 'merge',
  doc: 'Multiplies its inputs element by element, as an attention mask scales the features it gates.',
  params: z.strictObject({ inputs: mergeInputsField() }),
  inputPorts: mergePorts,
  outputShape: (_p, inputs, self) => sameShapeInputs(self, inputs),
  paramCount: noParams,
  layer: (_p, name) => ({ className: 'Multiply', config: { name } }),
  describe: (p) => `${p.inputs} inputs`,
});
