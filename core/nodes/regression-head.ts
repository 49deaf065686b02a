import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import {
  intField,
  lossField,
  lossWeightField,
  targetField,
  taskField,
  trainableField,
} from './fields.ts';
import { headLayer, headParams, headShape } from './head.ts';
import { singlePort } from './rules.ts';

const units = (p: { units: number }) => p.units;

export const regressionHeadKind = defineNodeKind({
  kind: 'RegressionHead',
  title: 'Regression head',
  category: 'head',
  doc: 'A task: N real numbers (linear output, squared or absolute error).',
  params: z.strictObject({
    task: taskField('value'),
    target: targetField('value'),
    units: intField(1, 1000, 1, 'Number of values; must equal the target’s column count.'),
    loss: lossField('numeric'),
    lossWeight: lossWeightField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: headShape(units),
  paramCount: headParams(units),
  layer: headLayer(units, 'linear'),
  describe: (p) => `${p.task}: ${p.units} values`,
  head: { targetKind: 'numeric', units },
});
