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

const units = (p: { attributes: number }) => p.attributes;

export const attributesHeadKind = defineNodeKind({
  kind: 'AttributesHead',
  title: 'Attributes head',
  category: 'head',
  doc: 'A task: N yes/no attributes at once (a sigmoid each, binary cross-entropy, F1 and mAP).',
  params: z.strictObject({
    task: taskField('attributes'),
    target: targetField('attributes'),
    attributes: intField(1, 1000, 6, 'Number of attributes; must equal the target’s count.'),
    loss: lossField('attributes'),
    lossWeight: lossWeightField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: headShape(units),
  paramCount: headParams(units),
  layer: headLayer(units, 'sigmoid'),
  describe: (p) => `${p.task}: ${p.attributes} attributes`,
  head: { targetKind: 'attributes', units },
});
