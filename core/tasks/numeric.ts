import { z } from 'zod';
import { sampleMean } from './accumulators.ts';
import { defineTask, listNames, shortNumbers } from './task.ts';

/**
 * The colour three values stand for, when they are an RGB triple on 0–1 (a colour head's truth
 * or prediction): shown as a swatch beside the numbers. Undefined for anything else.
 */
export function rgbSwatch(values: readonly number[]): string | undefined {
  if (values.length !== 3 || values.some((v) => !Number.isFinite(v) || v < -0.25 || v > 1.25)) {
    return undefined;
  }
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  return `rgb(${values.map(byte).join(', ')})`;
}

/** N real numbers per sample (a linear output). */
export const numericTask = defineTask({
  kind: 'numeric',
  word: 'a numeric',
  target: z.object({ name: z.string(), kind: z.literal('numeric'), columns: z.array(z.string()) }),
  layout: (t) => ({ form: 'dense', shape: [t.columns.length] }),
  storage: 'values',
  losses: ['meanSquaredError', 'meanAbsoluteError'],
  defaultLoss: 'meanSquaredError',
  metrics: {
    mae: {
      label: 'MAE',
      doc: 'mean absolute error',
      direction: 'lower',
      keras: 'mae',
      scale: 'free',
      create: (width) =>
        sampleMean(width, (t, p, at) => {
          let sum = 0;
          for (let k = 0; k < width; k++) sum += Math.abs(t[at + k]! - p[at + k]!);
          return sum / width;
        }),
    },
  },
  summary: (t) =>
    `${t.columns.length} value${t.columns.length === 1 ? '' : 's'}: ${listNames(t.columns)}`,
  widthParam: {
    field: 'units',
    words: (t) => `${t.columns.length} columns (${listNames(t.columns)})`,
  },
  gallery: ({ truth, prediction }) => {
    const t = rgbSwatch(truth);
    const p = rgbSwatch(prediction);
    return {
      text: `true ${shortNumbers(truth)} · predicted ${shortNumbers(prediction)}`,
      ...(t && p ? { swatches: { truth: t, prediction: p } } : {}),
    };
  },
});
