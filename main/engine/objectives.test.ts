import { beforeAll, describe, expect, it } from 'vitest';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import { initBackend } from './backend.ts';
import { boxIoU, metricSums, perSampleLoss } from './objectives.ts';
import { tf } from './tf.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const head = (loss: string, params: Record<string, unknown> = {}): HeadInfo =>
  ({ loss, params, label: 'h', metrics: [] }) as unknown as HeadInfo;
const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('per-sample losses', () => {
  it('categorical cross-entropy is -log of the true class probability', () => {
    const y = tf.tensor2d([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const p = tf.tensor2d([
      [0.2, 0.5, 0.3],
      [0.9, 0.05, 0.05],
    ]);
    const got = values(perSampleLoss(head('categoricalCrossentropy'), y, p));
    expect(got[0]).toBeCloseTo(-Math.log(0.5), 5);
    expect(got[1]).toBeCloseTo(-Math.log(0.9), 5);
  });

  it('binary cross-entropy matches tfjs metrics and is a mean over the four coordinates', () => {
    const y = tf.tensor2d([[0.1, 0.2, 0.6, 0.9]]);
    const p = tf.tensor2d([[0.2, 0.2, 0.5, 0.7]]);
    const got = values(perSampleLoss(head('binaryCrossentropy'), y, p))[0];
    const want = values(tf.metrics.binaryCrossentropy(y, p))[0];
    expect(got).toBeCloseTo(want as number, 5);
  });

  it('squared, absolute and Huber errors follow their definitions', () => {
    const y = tf.tensor2d([[0, 0, 0, 0]]);
    const p = tf.tensor2d([[0.5, -0.5, 3, 0]]);
    expect(values(perSampleLoss(head('meanSquaredError'), y, p))[0]).toBeCloseTo(
      (0.25 + 0.25 + 9) / 4,
      5,
    );
    expect(values(perSampleLoss(head('meanAbsoluteError'), y, p))[0]).toBeCloseTo(4 / 4, 5);
    // Huber with delta 1: 0.5·e² below 1, |e| − 0.5 above.
    const huber = (0.125 + 0.125 + 2.5 + 0) / 4;
    expect(values(perSampleLoss(head('huber', { huberDelta: 1 }), y, p))[0]).toBeCloseTo(huber, 5);
  });
});

describe('box metrics', () => {
  it('IoU is 1 for the same box, 0 for disjoint or inverted boxes, and exact for overlaps', () => {
    const truth = tf.tensor2d([
      [0, 0, 0.5, 0.5],
      [0, 0, 0.5, 0.5],
      [0, 0, 0.5, 0.5],
      [0, 0, 0.5, 0.5],
    ]);
    const pred = tf.tensor2d([
      [0, 0, 0.5, 0.5],
      [0.6, 0.6, 1, 1],
      [0.25, 0, 0.75, 0.5],
      [0.5, 0.5, 0, 0],
    ]);
    const iou = values(boxIoU(truth, pred));
    expect(iou[0]).toBeCloseTo(1, 5);
    expect(iou[1]).toBeCloseTo(0, 5);
    expect(iou[2]).toBeCloseTo(1 / 3, 5);
    expect(iou[3]).toBeCloseTo(0, 5);
    const box = { ...head('binaryCrossentropy'), metrics: ['meanIoU', 'iou50'] } as HeadInfo;
    const [sumIoU, hits] = metricSums(box, truth, pred).map((t) => values(t)[0]);
    expect(sumIoU).toBeCloseTo(1 + 1 / 3, 5);
    expect(hits).toBe(1);
  });

  it('accuracy counts argmax matches', () => {
    const cls = { ...head('categoricalCrossentropy'), metrics: ['accuracy'] } as HeadInfo;
    const y = tf.tensor2d([
      [0, 1],
      [1, 0],
      [1, 0],
    ]);
    const p = tf.tensor2d([
      [0.3, 0.7],
      [0.4, 0.6],
      [0.8, 0.2],
    ]);
    expect(values(metricSums(cls, y, p)[0] as tf.Tensor)[0]).toBe(2);
  });
});
