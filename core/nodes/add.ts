import { z } from 'zod';
import { mergeInputsField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { mergePorts, noParams, sameShapeInputs } from './rules.ts';

export const addKind = defineNodeKind({
  kind: 'Add',
  title: 'Add',
  category: 'merge',
  doc: 'Adds its inputs element by element, as in a residual connection.',
  params: z.strictObject({ inputs: mergeInputsField() }),
  inputPorts: mergePorts,
  outputShape: (_p, inputs, self) => sameShapeInputs(self, inputs),
  paramCount: noParams,
  layer: (_p, name) => ({ className: 'Add', config: { name } }),
  describe: (p) => `${p.inputs} inputs`,
});
