import { z } from 'zod';
import { sampleMean } from './accumulators.ts';
import { defineTask, listNames, type MetricAccumulator } from './task.ts';

/** A prediction at or above one half says the attribute is on. */
const ON = 0.5;

/**
 * Per attribute, counts of true positives, false positives and false negatives over the split;
 * macro F1 is the mean of the attributes' F1 (an attribute never on nor predicted counts as 1).
 */
function macroF1(width: number): MetricAccumulator {
  const tp = new Float64Array(width);
  const fp = new Float64Array(width);
  const fn = new Float64Array(width);
  let samples = 0;
  return {
    reset() {
      tp.fill(0);
      fp.fill(0);
      fn.fill(0);
      samples = 0;
    },
    add(truth, prediction, n) {
      for (let i = 0; i < n * width; i++) {
        const k = i % width;
        const on = truth[i]! >= ON;
        const said = prediction[i]! >= ON;
        if (on && said) tp[k]!++;
        else if (said) fp[k]!++;
        else if (on) fn[k]!++;
      }
      samples += n;
    },
    finish() {
      if (!samples) return Number.NaN;
      let sum = 0;
      for (let k = 0; k < width; k++) {
        const d = 2 * tp[k]! + fp[k]! + fn[k]!;
        sum += d === 0 ? 1 : (2 * tp[k]!) / d;
      }
      return sum / width;
    },
  };
}

/**
 * Average precision per attribute over the whole split (area under the precision–recall curve,
 * as scikit-learn's average_precision_score: Σ (R_n − R_{n−1}) P_n over the scores, ties taken
 * together), then the mean over the attributes that are on at least once.
 */
function meanAveragePrecision(width: number): MetricAccumulator {
  let truths: number[][] = [];
  let scores: number[][] = [];
  const fresh = () => {
    truths = Array.from({ length: width }, () => []);
    scores = Array.from({ length: width }, () => []);
  };
  fresh();
  return {
    reset: fresh,
    add(truth, prediction, n) {
      for (let i = 0; i < n * width; i++) {
        truths[i % width]!.push(truth[i]! >= ON ? 1 : 0);
        scores[i % width]!.push(prediction[i]!);
      }
    },
    finish() {
      const aps: number[] = [];
      for (let k = 0; k < width; k++) {
        const ap = averagePrecision(truths[k]!, scores[k]!);
        if (ap !== undefined) aps.push(ap);
      }
      return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : Number.NaN;
    },
  };
}

/** AP of one attribute; undefined when it is never on (precision–recall is not defined). */
export function averagePrecision(truth: readonly number[], score: readonly number[]) {
  const positives = truth.reduce((a, b) => a + b, 0);
  if (positives === 0) return undefined;
  const order = score.map((_, i) => i).sort((a, b) => score[b]! - score[a]!);
  let ap = 0;
  let hits = 0;
  let seen = 0;
  let recall = 0;
  for (let i = 0; i < order.length;) {
    // Samples with the same score pass the threshold together.
    const s = score[order[i]!]!;
    while (i < order.length && score[order[i]!] === s) {
      hits += truth[order[i]!]!;
      seen++;
      i++;
    }
    const r = hits / positives;
    ap += (r - recall) * (hits / seen);
    recall = r;
  }
  return ap;
}

/** Any number of yes/no attributes per sample: one sigmoid each, binary cross-entropy. */
export const attributesTask = defineTask({
  kind: 'attributes',
  word: 'an attributes',
  target: z.object({
    name: z.string(),
    kind: z.literal('attributes'),
    attributes: z.array(z.string()),
  }),
  layout: (t) => ({ form: 'dense', shape: [t.attributes.length] }),
  storage: 'values',
  losses: ['binaryCrossentropy'],
  defaultLoss: 'binaryCrossentropy',
  metrics: {
    attributeAccuracy: {
      label: 'mean accuracy',
      doc: 'mean over the attributes of the share of samples right',
      direction: 'higher',
      keras: 'attribute_accuracy',
      scale: 'ratio',
      create: (width) =>
        sampleMean(width, (t, p, at) => {
          let right = 0;
          for (let k = 0; k < width; k++) right += t[at + k]! >= ON === p[at + k]! >= ON ? 1 : 0;
          return right / width;
        }),
    },
    macroF1: {
      label: 'macro F1',
      doc: 'mean over the attributes of F1 at 0.5',
      direction: 'higher',
      keras: 'macro_f1',
      scale: 'ratio',
      create: macroF1,
    },
    mAP: {
      label: 'mAP',
      doc: 'mean over the attributes of average precision',
      direction: 'higher',
      keras: 'mean_ap',
      scale: 'ratio',
      create: meanAveragePrecision,
    },
  },
  summary: (t) =>
    `${t.attributes.length} attribute${t.attributes.length === 1 ? '' : 's'}: ${listNames(t.attributes)}`,
  widthParam: {
    field: 'attributes',
    words: (t) => `${t.attributes.length} attributes (${listNames(t.attributes)})`,
  },
  outputNames: (t) => t.attributes,
  gallery: ({ truth, prediction, classes }) => {
    const marks: { name: string; verdict: 'hit' | 'missed' | 'extra' }[] = [];
    truth.forEach((v, k) => {
      const on = v >= ON;
      const said = (prediction[k] ?? 0) >= ON;
      const name = classes?.[k] ?? String(k);
      if (on && said) marks.push({ name, verdict: 'hit' });
      else if (on) marks.push({ name, verdict: 'missed' });
      else if (said) marks.push({ name, verdict: 'extra' });
    });
    const words = (v: string) => marks.filter((m) => m.verdict === v).map((m) => m.name);
    const parts = [
      words('hit').length ? `on ${words('hit').join(', ')}` : '',
      words('missed').length ? `missed ${words('missed').join(', ')}` : '',
      words('extra').length ? `wrongly on ${words('extra').join(', ')}` : '',
    ].filter(Boolean);
    return {
      text: parts.length ? parts.join(' · ') : 'none on',
      ok: marks.every((m) => m.verdict === 'hit'),
      marks,
    };
  },
});
