import { angleWithin, forEachAngle, meanAngle, medianAngle } from './map-metrics.ts';
import { checkMapSize, galleryMap, mapTargetSchema, sizeWords } from './maps.ts';
import { defineTask } from './task.ts';

/** Each pixel's three values scaled to length 1 (a zero vector stays zero), rounded for the file. */
function unitNormals(values: readonly number[]): number[] {
  const out = new Array<number>(values.length).fill(0);
  for (let i = 0; i + 2 < values.length; i += 3) {
    const n = Math.hypot(values[i]!, values[i + 1]!, values[i + 2]!);
    if (n === 0) continue;
    for (let k = 0; k < 3; k++) out[i + k] = Math.round((values[i + k]! / n) * 100) / 100;
  }
  return out;
}

const within = (degrees: number, label: string) => ({
  label,
  doc: `share of the pixels with a normal whose angle error is below ${degrees}°`,
  direction: 'higher' as const,
  keras: `within_${String(degrees).replace('.', '_')}`,
  scale: 'ratio' as const,
  create: angleWithin(degrees),
});

/**
 * A surface direction per pixel (x right, y up, z towards the camera): three values the loss
 * scales to length 1 at each pixel and compares by 1 − cosine; a zero vector means no normal.
 */
export const normalsTask = defineTask({
  kind: 'normals',
  word: 'a normals',
  target: mapTargetSchema('normals'),
  layout: (t) => ({ form: 'dense', shape: [t.height, t.width, 3] }),
  storage: 'values',
  losses: ['cosineDistance'],
  defaultLoss: 'cosineDistance',
  metrics: {
    meanAngle: {
      label: 'mean angle error',
      doc: 'mean angle in degrees between true and predicted normals, over the pixels with one',
      direction: 'lower',
      keras: 'mean_angle',
      scale: 'free',
      create: meanAngle,
    },
    medianAngle: {
      label: 'median angle error',
      doc: 'median angle error in degrees over the split’s pixels (to 0.01°)',
      direction: 'lower',
      keras: 'median_angle',
      scale: 'free',
      create: medianAngle,
    },
    within11: within(11.25, 'within 11.25°'),
    within22: within(22.5, 'within 22.5°'),
    within30: within(30, 'within 30°'),
  },
  summary: (t) => `${sizeWords(t.height, t.width)} normal maps`,
  checkHead: (t, shape) =>
    checkMapSize(t, shape, 'normal maps') ??
    (shape[2] === 3 ? undefined : `outputs ${shape[2]} values per pixel but a normal has 3`),
  galleryKeep: ({ truth, prediction }) => ({
    truth: unitNormals(truth),
    prediction: unitNormals(prediction),
  }),
  mapMotion: { channels: () => 3, outside: 0, mirrorNegates: [0] },
  atImageSize: (t, height, width) => ({ ...t, height, width }),
  gallery: ({ truth, prediction, shape }) => {
    let sum = 0;
    let counted = 0;
    forEachAngle(Float32Array.from(truth), Float32Array.from(prediction), (d) => {
      sum += d;
      counted++;
    });
    const size = shape ?? [1, truth.length / 3, 3];
    return {
      text: `mean angle error ${counted ? (sum / counted).toFixed(1) : '–'}°`,
      maps: {
        truth: galleryMap('rgb', truth, size),
        prediction: galleryMap('rgb', prediction, size),
      },
    };
  },
});
