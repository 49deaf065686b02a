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
import { mapHeadLayer, mapHeadParams, mapHeadShape } from './head.ts';
import { singlePort } from './rules.ts';

const channels = (p: { classes: number }) => p.classes;

/** "1, 1, 2.5" → [1, 1, 2.5]; an empty text weighs every class 1 (undefined). */
export function classWeightsOf(text: string): number[] | undefined {
  const trimmed = text.trim();
  return trimmed ? trimmed.split(/\s*,\s*/).map(Number) : undefined;
}

export const maskHeadKind = defineNodeKind({
  kind: 'MaskHead',
  title: 'Mask head',
  category: 'head',
  doc: 'A task: a class for every pixel (1×1 convolution, softmax over the classes, per-pixel cross-entropy, mean IoU).',
  params: z.strictObject({
    task: taskField('segmentation'),
    target: targetField('mask'),
    classes: intField(2, 256, 2, 'Number of classes; must equal the masks’ class count.'),
    loss: lossField('mask', 'Per-pixel cross-entropy; pixels of class 255 are ignored.'),
    classWeights: z
      .string()
      .regex(/^\s*(\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*)?\s*$/, 'numbers separated by commas')
      .max(2000)
      .default('')
      .describe(
        'Weight of each class in the loss, in class order (e.g. 1, 1, 4); empty weighs all 1.',
      ),
    lossWeight: lossWeightField(),
    trainable: trainableField(),
  }),
  inputPorts: singlePort,
  outputShape: (p, inputs, self) => {
    const weights = classWeightsOf(p.classWeights);
    if (weights && weights.length !== p.classes) {
      return {
        ok: false,
        code: 'E_INVALID_PARAM',
        message: `${self} has ${weights.length} class weights but ${p.classes} classes; give one weight per class or none.`,
      };
    }
    return mapHeadShape(channels)(p, inputs, self);
  },
  paramCount: mapHeadParams(channels),
  layer: mapHeadLayer(channels, 'softmax'),
  describe: (p) => `${p.task}: ${p.classes}-class mask`,
  head: {
    targetKind: 'mask',
    units: channels,
    // One class index per pixel of the [H, W, C] output.
    truthUnits: (_, shape) => (shape[0] ?? 1) * (shape[1] ?? 1),
  },
});
