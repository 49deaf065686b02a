import { beforeAll, describe, expect, it } from 'vitest';
import type { HeadInfo } from '../../../core/graph/analyze.ts';
import { initBackend } from '../backend.ts';
import { tf } from '../tf.ts';
import { perSampleLoss } from './index.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const KIND_OF: Record<string, string> = {
  categoricalCrossentropy: 'class',
  binaryCrossentropy: 'box',
  meanSquaredError: 'box',
  meanAbsoluteError: 'box',
  huber: 'box',
};
const head = (loss: string, params: Record<string, unknown> = {}): HeadInfo =>
  ({ loss, params, label: 'h', metrics: [], targetKind: KIND_OF[loss] }) as unknown as HeadInfo;
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

describe('the loss table', () => {
  it('refuses a loss the task kind does not offer, naming both', () => {
    const wrong = { ...head('huber'), targetKind: 'class' } as HeadInfo;
    const y = tf.tensor2d([[0, 1]]);
    expect(() => perSampleLoss(wrong, y, y)).toThrow("a class task has no loss 'huber'");
  });
});
