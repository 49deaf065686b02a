import { z } from 'zod';
import { argmaxAt, sampleMean } from './accumulators.ts';
import { defineTask, listNames, percent } from './task.ts';

/** One of N classes per sample: a softmax learned with categorical cross-entropy. */
export const classTask = defineTask({
  kind: 'class',
  word: 'a class',
  target: z.object({ name: z.string(), kind: z.literal('class'), classes: z.array(z.string()) }),
  layout: (t) => ({ form: 'dense', shape: [t.classes.length] }),
  storage: 'index',
  losses: ['categoricalCrossentropy'],
  defaultLoss: 'categoricalCrossentropy',
  metrics: {
    accuracy: {
      label: 'accuracy',
      doc: 'accuracy',
      direction: 'higher',
      keras: 'accuracy',
      scale: 'ratio',
      create: (width) =>
        sampleMean(width, (truth, prediction, at) =>
          argmaxAt(truth, at, width) === argmaxAt(prediction, at, width) ? 1 : 0,
        ),
    },
  },
  summary: (t) => `${t.classes.length} classes: ${listNames(t.classes)}`,
  widthParam: {
    field: 'classes',
    words: (t) => `${t.classes.length} classes (${listNames(t.classes)})`,
  },
  outputNames: (t) => t.classes,
  gallery: ({ truth, prediction, classes }) => {
    const t = argmaxAt(truth, 0, truth.length);
    const p = argmaxAt(prediction, 0, prediction.length);
    const name = (i: number) => classes?.[i] ?? String(i);
    return {
      text: `true ${name(t)} · predicted ${name(p)} (${percent(prediction[p])})`,
      ok: t === p,
    };
  },
});
