import { z } from 'zod';
import {
  activationField,
  intField,
  useBiasField,
  kernelRegularizer,
  l2Field,
  trainableField,
} from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { denseParams, ok, only, requireVector, singlePort } from './rules.ts';

export const denseKind = defineNodeKind({
  kind: 'Dense',
  title: 'Dense',
  category: 'trunk',
  doc: 'A fully connected layer: every output sees every input.',
  params: z.strictObject({
    units: intField(1, 16384, 128, 'Number of outputs.'),
    activation: activationField('relu'),
    useBias: useBiasField(),
    l2: l2Field(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: (p, inputs, self) => requireVector(self, only(inputs)) ?? ok([p.units]),
  paramCount: (p, [shape]) => denseParams(shape?.[0] ?? 0, p.units, p.useBias),
  layer: (p, name) => ({
    className: 'Dense',
    config: {
      name,
      units: p.units,
      activation: p.activation,
      useBias: p.useBias,
      ...kernelRegularizer(p.l2),
    },
  }),
  describe: (p) => `${p.units} ${p.activation}`,
});
