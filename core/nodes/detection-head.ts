import { z } from 'zod';
import { detectionChannels } from '../detection/decode.ts';
import { OBJECT_FIELDS, MAX_OBJECTS } from '../detection/object-rows.ts';
import { defineNodeKind } from './kind.ts';
import {
  intField,
  lossField,
  lossWeightField,
  targetField,
  taskField,
  trainableField,
} from './fields.ts';
import { mapHeadLayer, mapHeadParams, mapHeadShape } from './head.ts';
import { singlePort } from './rules.ts';

const channels = (p: { classes: number }) => detectionChannels(p.classes);

/**
 * CenterNet starts every heatmap logit at −2.19, a centre probability of 0.1: with a zero bias
 * each of the many background cells starts at 0.5 and the focal loss of the first batches is
 * large (≈35 on digits-scenes), which short runs never leave.
 */
export const HEATMAP_PRIOR_BIAS = -Math.log((1 - 0.1) / 0.1);

const layer = mapHeadLayer(channels, 'linear');

/**
 * CenterNet ("Objects as Points", Zhou et al. 2019): a 1×1 convolution on a feature map gives at
 * each cell a centre-heatmap logit per class, then the box's width and height and the centre's
 * sub-cell offset, in cells. The trunk's own convolutions do the work CenterNet's 3×3 head
 * convolution does; one 1×1 layer keeps every export a plain Conv2D.
 */
export const detectionHeadKind = defineNodeKind({
  kind: 'DetectionHead',
  title: 'Detection head',
  category: 'head',
  doc: 'A task: every object of an image, anchor-free (CenterNet heatmaps, sizes and offsets on a feature map; COCO mAP).',
  params: z.strictObject({
    task: taskField('objects'),
    target: targetField('objects'),
    classes: intField(
      1,
      1000,
      10,
      'Number of object classes; must equal the target’s class count.',
    ),
    loss: lossField('objects', 'Focal loss on the centre heatmaps, L1 on sizes and offsets.'),
    sizeWeight: z
      .number()
      .min(0)
      .max(100)
      .default(0.1)
      .describe('Weight of the L1 loss on box sizes (CenterNet: 0.1).'),
    offsetWeight: z
      .number()
      .min(0)
      .max(100)
      .default(1)
      .describe('Weight of the L1 loss on centre offsets (CenterNet: 1).'),
    topK: intField(1, 1000, 100, 'Most detections kept per image, highest scores first.'),
    scoreThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.3)
      .describe('Detections scoring below this are not shown or exported (mAP counts all).'),
    nms: z
      .boolean()
      .default(false)
      .describe('Drop a box overlapping a higher-scored box of its class (IoU > 0.5).'),
    lossWeight: lossWeightField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: mapHeadShape(channels),
  paramCount: mapHeadParams(channels),
  layer: (p, name) => ({
    ...layer(p, name),
    initialBias: [
      ...Array<number>(p.classes).fill(HEATMAP_PRIOR_BIAS),
      ...Array<number>(detectionChannels(p.classes) - p.classes).fill(0),
    ],
  }),
  describe: (p) => `${p.task}: objects of ${p.classes} classes`,
  head: {
    targetKind: 'objects',
    units: channels,
    truthUnits: () => MAX_OBJECTS * OBJECT_FIELDS,
  },
});
