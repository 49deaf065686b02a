import { z } from 'zod';
import { sampleMean } from './accumulators.ts';
import { boxIoU } from './box-iou.ts';
import { defineTask, type GalleryBox } from './task.ts';

/** A box with its corners in order and inside the image, whatever the head predicted. */
export function normaliseBox(values: readonly number[]): GalleryBox {
  const clamp = (v: number | undefined) => Math.min(1, Math.max(0, v ?? 0));
  const [a, b, c, d] = [0, 1, 2, 3].map((i) => clamp(values[i])) as [
    number,
    number,
    number,
    number,
  ];
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

/** One box per sample, [xmin, ymin, xmax, ymax] as fractions of the image (sigmoid outputs). */
export const boxTask = defineTask({
  kind: 'box',
  word: 'a box',
  target: z.object({ name: z.string(), kind: z.literal('box') }),
  layout: () => ({ form: 'dense', shape: [4] }),
  storage: 'values',
  movesWithImage: 'box',
  losses: ['binaryCrossentropy', 'meanSquaredError', 'meanAbsoluteError', 'huber'],
  defaultLoss: 'binaryCrossentropy',
  metrics: {
    meanIoU: {
      label: 'mean IoU',
      doc: 'mean IoU',
      direction: 'higher',
      keras: 'mean_iou',
      scale: 'ratio',
      create: (width) => sampleMean(width, (t, p, at) => boxIoU(t, p, at, at)),
    },
    iou50: {
      label: 'IoU≥0.5',
      doc: 'share with IoU ≥ 0.5',
      direction: 'higher',
      keras: 'iou50',
      scale: 'ratio',
      create: (width) => sampleMean(width, (t, p, at) => (boxIoU(t, p, at, at) >= 0.5 ? 1 : 0)),
    },
  },
  summary: () => 'a bounding box',
  gallery: ({ truth, prediction }) => {
    const boxes = { truth: normaliseBox(truth), prediction: normaliseBox(prediction) };
    const iou = boxIoU(boxes.truth, boxes.prediction);
    return { text: `box IoU ${iou.toFixed(2)}`, ok: iou >= 0.5, boxes };
  },
});
