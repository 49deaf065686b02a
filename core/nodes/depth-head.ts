import { z } from 'zod';
import { defineNodeKind } from './kind.ts';
import { lossField, lossWeightField, targetField, taskField, trainableField } from './fields.ts';
import { mapHeadLayer, mapHeadParams, mapHeadShape } from './head.ts';
import { singlePort } from './rules.ts';

const channels = () => 1;

export const depthHeadKind = defineNodeKind({
  kind: 'DepthHead',
  title: 'Depth head',
  category: 'head',
  doc: 'A task: a distance for every pixel (1×1 convolution, L1 over the pixels with a depth).',
  params: z.strictObject({
    task: taskField('depth'),
    target: targetField('depth'),
    loss: lossField('depth', 'L1 over the pixels that have a depth (0 means none).'),
    lossWeight: lossWeightField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: mapHeadShape(channels),
  paramCount: mapHeadParams(channels),
  layer: mapHeadLayer(channels, 'linear'),
  describe: (p) => `${p.task}: depth map`,
  head: { targetKind: 'depth', units: channels },
});
