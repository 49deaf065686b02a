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

const units = (p: { classes: number }) => p.classes;

export const classificationHeadKind = defineNodeKind({
  kind: 'ClassificationHead',
  title: 'Classification head',
  category: 'head',
  doc: 'A task: picks one of N classes (softmax, categorical cross-entropy, accuracy).',
  params: z.strictObject({
    task: taskField('class'),
    target: targetField('class'),
    classes: intField(2, 1000, 10, 'Number of classes; must equal the target’s class count.'),
    loss: lossField('class'),
    lossWeight: lossWeightField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: headShape(units),
  paramCount: headParams(units),
  layer: headLayer(units, 'softmax'),
  describe: (p) => `${p.task}: ${p.classes} classes`,
  head: { targetKind: 'class', units },
});
