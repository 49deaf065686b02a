import { describe, expect, it } from 'vitest';
import { isMonitorName } from '../graph/training-control.ts';
import { averagePrecision } from './attributes.ts';
import { boxIoU } from './box-iou.ts';
import {
  datasetTargetSchema,
  lowerIsBetter,
  METRIC_SPECS,
  metricNamesOf,
  TASK_KINDS,
  TASKS,
  targetLayout,
  targetWidth,
  type MetricName,
} from './registry.ts';

/** A metric over one split given as rows of truth and prediction. */
function measure(metric: MetricName, truth: number[][], prediction: number[][], batches = 1) {
  const width = truth[0]?.length ?? 0;
  const acc = METRIC_SPECS[metric].create(width, [width]);
  acc.reset();
  // Added in `batches` parts, so a metric that is not a mean of per-batch values shows it.
  const per = Math.ceil(truth.length / batches);
  for (let at = 0; at < truth.length; at += per) {
    const t = truth.slice(at, at + per);
    const p = prediction.slice(at, at + per);
    acc.add(Float32Array.from(t.flat()), Float32Array.from(p.flat()), t.length);
  }
  return acc.finish();
}

describe('the table of task kinds', () => {
  it('gives every kind a target schema, a layout with a shape, losses and metrics', () => {
    for (const kind of TASK_KINDS) {
      const spec = TASKS[kind];
      expect(spec.kind).toBe(kind);
      expect(spec.losses).toContain(spec.defaultLoss);
      expect(metricNamesOf(kind).length).toBeGreaterThan(0);
    }
    expect(targetLayout({ name: 'c', kind: 'class', classes: ['a', 'b', 'c'] })).toEqual({
      form: 'dense',
      shape: [3],
    });
    expect(targetWidth({ name: 'b', kind: 'box' })).toBe(4);
    expect(targetWidth({ name: 't', kind: 'attributes', attributes: ['x', 'y'] })).toBe(2);
  });

  it('checks a target by its kind, and refuses a kind it does not know', () => {
    const ok = { name: 'tags', kind: 'attributes', attributes: ['smiling'] };
    expect(datasetTargetSchema.parse(ok)).toEqual(ok);
    expect(datasetTargetSchema.safeParse({ name: 'x', kind: 'mask' }).success).toBe(false);
    expect(datasetTargetSchema.safeParse({ name: 'x', kind: 'class' }).success).toBe(false);
  });

  it('says which way is better for losses and every metric, MAE being the lower one', () => {
    expect(lowerIsBetter('loss')).toBe(true);
    expect(lowerIsBetter('mae')).toBe(true);
    expect(lowerIsBetter('macroF1')).toBe(false);
    expect(lowerIsBetter('meanIoU')).toBe(false);
  });

  it('takes any metric of any kind as a monitor, and nothing else', () => {
    expect(isMonitorName('loss')).toBe(true);
    expect(isMonitorName('tags.mAP')).toBe(true);
    expect(isMonitorName('colour.macroF1')).toBe(true);
    expect(isMonitorName('box.meanIoU')).toBe(true);
    expect(isMonitorName('box.f1')).toBe(false);
    expect(isMonitorName('.loss')).toBe(false);
  });
});

describe('metrics over a split', () => {
  it('accuracy counts argmax matches', () => {
    const truth = [
      [0, 1],
      [1, 0],
      [1, 0],
    ];
    const prediction = [
      [0.3, 0.7],
      [0.4, 0.6],
      [0.8, 0.2],
    ];
    expect(measure('accuracy', truth, prediction, 2)).toBeCloseTo(2 / 3, 6);
  });

  it('IoU is 1 for the same box, 0 for disjoint or inverted boxes, and exact for overlaps', () => {
    const truth = Array.from({ length: 4 }, () => [0, 0, 0.5, 0.5]);
    const prediction = [
      [0, 0, 0.5, 0.5],
      [0.6, 0.6, 1, 1],
      [0.25, 0, 0.75, 0.5],
      [0.5, 0.5, 0, 0],
    ];
    expect(prediction.map((p, k) => boxIoU(truth[k]!, p))).toEqual([
      1,
      0,
      expect.closeTo(1 / 3, 6),
      0,
    ]);
    expect(measure('meanIoU', truth, prediction, 3)).toBeCloseTo((1 + 1 / 3) / 4, 6);
    expect(measure('iou50', truth, prediction)).toBeCloseTo(1 / 4, 6);
  });

  it('MAE is the mean absolute error over values and samples', () => {
    expect(
      measure(
        'mae',
        [
          [0, 0],
          [1, 1],
        ],
        [
          [0.5, -0.5],
          [1, 3],
        ],
      ),
    ).toBeCloseTo((0.5 + 1) / 2, 6);
  });

  it('attribute accuracy, macro F1 and mAP follow their definitions over the whole split', () => {
    const truth = [
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    const prediction = [
      [0.9, 0.1],
      [0.2, 0.8],
      [0.6, 0.7],
    ];
    expect(measure('attributeAccuracy', truth, prediction, 2)).toBeCloseTo(2 / 3, 6);
    // First attribute: one hit, one missed, one extra (F1 0.5); the second: two hits (F1 1).
    expect(measure('macroF1', truth, prediction, 3)).toBeCloseTo(0.75, 6);
    // A batch at a time gives the same as the split at once: sums, then one finish.
    expect(measure('mAP', truth, prediction, 3)).toBeCloseTo(measure('mAP', truth, prediction), 9);
  });

  it('average precision matches scikit-learn on its documented example', () => {
    // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333…
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.833333, 5);
    expect(averagePrecision([0, 0], [0.1, 0.4])).toBeUndefined();
  });

  it('reports NaN for a split with nothing in it', () => {
    expect(METRIC_SPECS.macroF1.create(3, [3]).finish()).toBeNaN();
  });
});
