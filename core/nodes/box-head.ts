import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { lossField, lossWeightField, targetField, taskField, trainableField } from './fields.ts';
import { headLayer, headParams, headShape } from './head.ts';
import { singlePort } from './rules.ts';

const units = () => 4;

export const boxHeadKind = defineNodeKind({
  kind: 'BoxHead',
  title: 'Box regression head',
  category: 'head',
  doc: 'A task: one bounding box [xmin, ymin, xmax, ymax] normalised to 0–1 (sigmoid).',
  params: z.strictObject({
    task: taskField('box'),
    target: targetField('box'),
    loss: lossField('box', 'Loss on the four normalised coordinates; meanAbsoluteError is L1.'),
    huberDelta: z
      .number()
      .gt(0)
      .max(10)
      .default(1)
      .describe('Where the Huber loss turns from squared to linear (Huber only).'),
    lossWeight: lossWeightField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: headShape(units),
  paramCount: headParams(units),
  layer: headLayer(units, 'sigmoid'),
  describe: (p) => `${p.task}: box, ${p.loss}`,
  head: { targetKind: 'box', units },
});
