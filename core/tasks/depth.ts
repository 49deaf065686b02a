import { depthMetric } from './map-metrics.ts';
import { checkMapSize, galleryMap, mapTargetSchema, roundForGallery, sizeWords } from './maps.ts';
import { defineTask } from './task.ts';

/**
 * A distance per pixel (depth estimation), learned with an L1 loss over the pixels that have
 * one: a depth of 0 means none was measured there.
 */
export const depthTask = defineTask({
  kind: 'depth',
  word: 'a depth',
  target: mapTargetSchema('depth'),
  layout: (t) => ({ form: 'dense', shape: [t.height, t.width, 1] }),
  storage: 'values',
  losses: ['maskedL1'],
  defaultLoss: 'maskedL1',
  metrics: {
    depthAbsError: {
      label: 'depth abs error',
      doc: 'mean absolute error over the pixels with a depth',
      direction: 'lower',
      keras: 'depth_abs_error',
      scale: 'free',
      create: depthMetric((t, p) => Math.abs(t - p)),
    },
    depthRelError: {
      label: 'depth rel error',
      doc: 'mean of |error| / true depth over the pixels with a depth',
      direction: 'lower',
      keras: 'depth_rel_error',
      scale: 'free',
      create: depthMetric((t, p) => Math.abs(t - p) / t),
    },
    depthDelta1: {
      label: 'δ<1.25',
      doc: 'share of the pixels with a depth whose prediction is within a factor 1.25 of it',
      direction: 'higher',
      keras: 'depth_delta1',
      scale: 'ratio',
      create: depthMetric((t, p) => (p > 0 && Math.max(p / t, t / p) < 1.25 ? 1 : 0)),
    },
  },
  summary: (t) => `${sizeWords(t.height, t.width)} depth maps`,
  checkHead: (t, shape) =>
    checkMapSize(t, shape, 'depth maps') ??
    (shape[2] === 1 ? undefined : `outputs ${shape[2]} values per pixel but a depth is one`),
  galleryKeep: ({ truth, prediction }) => ({
    truth: roundForGallery(truth),
    prediction: roundForGallery(prediction),
  }),
  mapMotion: { channels: () => 1, outside: 0, zoomDivides: true },
  atImageSize: (t, height, width) => ({ ...t, height, width }),
  gallery: ({ truth, prediction, shape }) => {
    let error = 0;
    let counted = 0;
    let far = 0;
    truth.forEach((t, i) => {
      if (!(t > 0)) return;
      error += Math.abs(t - (prediction[i] ?? 0));
      counted++;
      far = Math.max(far, t);
    });
    const size = shape ?? [1, truth.length, 1];
    return {
      text: `depth abs error ${counted ? (error / counted).toPrecision(3) : '–'}`,
      maps: {
        truth: galleryMap('scalar', truth, size),
        prediction: galleryMap('scalar', prediction, size),
        range: [0, far || 1],
      },
    };
  },
});
