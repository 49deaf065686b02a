import { z } from 'zod';
import { argmaxAt } from './accumulators.ts';
import { confusionMetric, IGNORE_CLASS, meanClassIoU, pixelAccuracy } from './map-metrics.ts';
import { checkMapSize, galleryMap, mapTargetSchema, sizeWords } from './maps.ts';
import { defineTask, listNames, percent } from './task.ts';

/** A class per pixel, as the gallery keeps a head's prediction: the argmax of its scores. */
function classPerPixel(prediction: readonly number[], classes: number): number[] {
  const pixels = Math.floor(prediction.length / Math.max(classes, 1));
  return Array.from({ length: pixels }, (_, i) => argmaxAt(prediction, i * classes, classes));
}

/**
 * A class for every pixel (semantic segmentation): a softmax over the classes at each position,
 * learned with per-pixel cross-entropy; pixels of class 255 are ignored, as in Pascal VOC.
 */
export const maskTask = defineTask({
  kind: 'mask',
  word: 'a mask',
  target: mapTargetSchema('mask').extend({ classes: z.array(z.string()) }),
  layout: (t) => ({ form: 'dense', shape: [t.height, t.width] }),
  storage: 'values',
  losses: ['pixelCrossentropy'],
  defaultLoss: 'pixelCrossentropy',
  metrics: {
    meanClassIoU: {
      label: 'mean IoU',
      doc: 'mean over classes of the intersection over union of their pixels, over the split',
      direction: 'higher',
      keras: 'mean_class_iou',
      scale: 'ratio',
      create: (_, shape) => confusionMetric(shape, meanClassIoU),
    },
    pixelAccuracy: {
      label: 'pixel accuracy',
      doc: 'share of the pixels (not ignored) whose class is right',
      direction: 'higher',
      keras: 'pixel_accuracy',
      scale: 'ratio',
      create: (_, shape) => confusionMetric(shape, pixelAccuracy),
    },
  },
  summary: (t) =>
    `${sizeWords(t.height, t.width)} masks of ${t.classes.length} classes: ${listNames(t.classes)}`,
  checkHead: (t, shape) =>
    checkMapSize(t, shape, 'masks') ??
    (shape[2] === t.classes.length
      ? undefined
      : `has ${shape[2]} classes but the masks have ${t.classes.length} (${listNames(t.classes)}); set classes to ${t.classes.length}`),
  outputNames: (t) => t.classes,
  galleryKeep: ({ truth, prediction }, shape) => ({
    truth: [...truth],
    prediction: classPerPixel(prediction, shape[2] ?? 1),
  }),
  mapMotion: { channels: () => 1, outside: IGNORE_CLASS },
  atImageSize: (t, height, width) => ({ ...t, height, width }),
  gallery: ({ truth, prediction, classes, shape }) => {
    const predicted =
      prediction.length === truth.length
        ? prediction
        : classPerPixel(prediction, shape?.[2] ?? Math.max(1, prediction.length / truth.length));
    let hits = 0;
    let counted = 0;
    truth.forEach((t, i) => {
      if (t === IGNORE_CLASS) return;
      counted++;
      if (predicted[i] === t) hits++;
    });
    const accuracy = counted ? hits / counted : 0;
    const size = shape ?? [1, truth.length];
    return {
      text: `pixels right ${percent(accuracy)}`,
      ok: accuracy >= 0.5,
      maps: {
        truth: galleryMap('classes', truth, size),
        prediction: galleryMap('classes', predicted, size),
        ...(classes ? { legend: classes } : {}),
      },
    };
  },
});
