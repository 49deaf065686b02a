import { z } from 'zod';
import { intField } from './fields.ts';
import { defineNodeKind } from './kind.ts';
import { requireVector, sameShapeInputs } from './rules.ts';

/** The gate's own input (what it decides on) comes first, then the experts it mixes. */
export const gatePorts = (p: { experts: number }): readonly string[] => [
  'gate',
  ...Array.from({ length: p.experts }, (_, i) => `expert${i + 1}`),
];

/**
 * A softmax gate over experts: one node that both weighs and mixes, so a mixture-of-experts layer
 * is one gate per task reading the shared experts, and the weights never travel as a tensor of
 * their own that a graph would have to slice.
 */
export const gateKind = defineNodeKind({
  kind: 'Gate',
  title: 'Gate',
  category: 'merge',
  doc: 'Mixes its experts by softmax weights computed from its gate input: Σ softmax(W x + b)ₖ · expertₖ (one per task in MMoE).',
  params: z.strictObject({
    experts: intField(2, 8, 3, 'How many experts it mixes (inputs after the gate input).'),
  }),
  inputPorts: gatePorts,
  outputShape: (_p, inputs, self) => {
    const [gate, ...experts] = inputs;
    if (!gate) throw new Error('shape rule called without an input');
    return requireVector(self, gate) ?? sameShapeInputs(self, experts, 'experts');
  },
  paramCount: (p, [gate]) => ({
    trainable: (gate?.[0] ?? 0) * p.experts + p.experts,
    nonTrainable: 0,
  }),
  layer: (p, name) => ({ className: 'Gate', config: { name, experts: p.experts } }),
  describe: (p) => `softmax over ${p.experts} experts`,
});
