import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { lossField, lossWeightField, targetField, taskField, trainableField } from './fields.ts';
import { mapHeadLayer, mapHeadParams, mapHeadShape } from './head.ts';
import { singlePort } from './rules.ts';

const channels = () => 3;

export const normalsHeadKind = defineNodeKind({
  kind: 'NormalsHead',
  title: 'Normals head',
  category: 'head',
  doc: 'A task: a surface direction for every pixel (1×1 convolution to 3 values, 1 − cosine).',
  params: z.strictObject({
    task: taskField('normals'),
    target: targetField('normals'),
    loss: lossField('normals', '1 − cosine between the normalised prediction and the normal.'),
    lossWeight: lossWeightField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: mapHeadShape(channels),
  paramCount: mapHeadParams(channels),
  layer: mapHeadLayer(channels, 'linear'),
  describe: (p) => `${p.task}: normal map`,
  head: { targetKind: 'normals', units: channels },
});
