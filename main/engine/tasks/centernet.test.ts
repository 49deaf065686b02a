import { beforeAll, describe, expect, it } from 'vitest';
import { writeObjectRows } from '../../../core/detection/object-rows.ts';
import type { HeadInfo } from '../../../core/graph/analyze.ts';
import { initBackend } from '../backend.ts';
import { tf } from '../tf.ts';
import { centerNet } from './centernet.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const [H, W, C] = [4, 4, 2];
const head = { shape: [H, W, C + 4], params: {} } as unknown as HeadInfo;

/** The loss per sample and its gradient for `batch` images of the given objects each. */
function lossAndGradient(objects: Parameters<typeof writeObjectRows>[0][]) {
  const y = Float32Array.from(objects.flatMap((o) => Array.from(writeObjectRows(o).rows)));
  const truth = tf.tensor2d(y, [objects.length, y.length / objects.length]);
  const p = tf.randomNormal([objects.length, H, W, C + 4], 0, 2, 'float32', 7);
  const grad = tf.grad((x: tf.Tensor) => centerNet(truth, x as tf.Tensor4D, head).mean());
  return {
    loss: Array.from(centerNet(truth, p as tf.Tensor4D, head).dataSync()),
    gradient: Array.from(grad(p).dataSync()),
  };
}

describe('the CenterNet loss', () => {
  it('is finite for a batch of images without objects, which teach the heatmaps only', () => {
    const { loss, gradient } = lossAndGradient([[], [], []]);
    expect(loss.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(gradient.every(Number.isFinite)).toBe(true);
    // Nothing to learn about sizes and offsets: those channels get no gradient.
    const regression = gradient.filter((_, k) => k % (C + 4) >= C);
    expect(regression.every((v) => v === 0)).toBe(true);
  });

  it('is finite for images with only an ignored object', () => {
    const { loss, gradient } = lossAndGradient([
      [{ classIndex: 1, box: [0.1, 0.1, 0.6, 0.6], ignore: true }],
      [],
    ]);
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(gradient.every(Number.isFinite)).toBe(true);
  });
});
