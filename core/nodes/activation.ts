import { z } from 'zod';
import { activationField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { noParams, ok, only, singlePort } from './rules.ts';

export const activationKind = defineNodeKind({
  kind: 'Activation',
  title: 'Activation',
  category: 'trunk',
  doc: 'Applies a function to every value.',
  params: z.strictObject({ activation: activationField('relu', 'The function applied.') }),
  inputPorts: singlePort,
  outputShape: (_p, inputs) => ok(only(inputs).shape),
  paramCount: noParams,
  layer: (p, name) => ({ className: 'Activation', config: { name, activation: p.activation } }),
  describe: (p) => p.activation,
});
