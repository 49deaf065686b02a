import { describe, expect, it } from 'vitest';
import { cocoApAccumulator } from './map-metric.ts';
import { OBJECT_ROWS_SIZE, writeObjectRows } from './object-rows.ts';

/** A head output [H, W, C + 4] that finds exactly the given objects (low logits elsewhere). */
function perfectMap(
  objects: { classIndex: number; box: readonly number[] }[],
  h: number,
  w: number,
  classes: number,
) {
  const stride = classes + 4;
  const values = new Float32Array(h * w * stride);
  for (let i = 0; i < h * w; i++) values.fill(-10, i * stride, i * stride + classes);
  for (const o of objects) {
    const [x0, y0, x1, y1] = o.box as [number, number, number, number];
    const cx = ((x0 + x1) / 2) * w;
    const cy = ((y0 + y1) / 2) * h;
    const at = (Math.floor(cy) * w + Math.floor(cx)) * stride;
    values[at + o.classIndex] = 5;
    values.set(
      [(x1 - x0) * w, (y1 - y0) * h, cx - Math.floor(cx), cy - Math.floor(cy)],
      at + classes,
    );
  }
  return values;
}

describe('COCO AP over a split', () => {
  const images = [
    [
      { classIndex: 0, box: [0.1, 0.1, 0.4, 0.3] as const, ignore: false },
      { classIndex: 2, box: [0.5, 0.5, 0.9, 0.95] as const, ignore: false },
    ],
    [{ classIndex: 1, box: [0.2, 0.6, 0.5, 0.9] as const, ignore: false }],
    [],
  ];
  const truth = new Float32Array(images.length * OBJECT_ROWS_SIZE);
  images.forEach((objects, i) => truth.set(writeObjectRows(objects).rows, i * OBJECT_ROWS_SIZE));

  it('is 1 for a head that finds every object, and less for one that misplaces one', () => {
    const [h, w, classes] = [12, 16, 3];
    const perfect = images.flatMap((o) => Array.from(perfectMap(o, h, w, classes)));
    for (const stat of [0, 1]) {
      const metric = cocoApAccumulator([h, w, classes + 4], undefined, stat);
      metric.add(truth, Float32Array.from(perfect), images.length);
      expect(metric.finish()).toBeCloseTo(1, 6);
    }
    const wrong = images.map((o, i) =>
      Array.from(
        perfectMap(i === 1 ? [{ classIndex: 1, box: [0.6, 0.1, 0.9, 0.4] }] : o, h, w, classes),
      ),
    );
    const metric = cocoApAccumulator([h, w, classes + 4], undefined, 1);
    metric.add(truth, Float32Array.from(wrong.flat()), images.length);
    expect(metric.finish()).toBeCloseTo(2 / 3, 6);
    metric.reset();
    expect(metric.finish()).toBeNaN();
  });

  it('counts a detection on an image without objects as a false positive, and gives 0 for a split of such images', () => {
    const [h, w, classes] = [12, 16, 3];
    const shape = [h, w, classes + 4];
    // The third image has no objects; the head finds a class-0 object there, scored highest.
    const found = images.map((o, i) =>
      Array.from(
        perfectMap(i === 2 ? [{ classIndex: 0, box: [0.6, 0.6, 0.9, 0.9] }] : o, h, w, classes),
      ),
    );
    found[2]![(Math.floor(0.75 * h) * w + Math.floor(0.75 * w)) * (classes + 4)] = 9;
    const metric = cocoApAccumulator(shape, undefined, 1);
    metric.add(truth, Float32Array.from(found.flat()), images.length);
    const ap = metric.finish();
    expect(ap).toBeGreaterThan(0.5);
    expect(ap).toBeLessThan(1);

    const none = cocoApAccumulator(shape, undefined, 1);
    const empty = new Float32Array(2 * OBJECT_ROWS_SIZE);
    empty.set(writeObjectRows([]).rows, 0);
    empty.set(writeObjectRows([]).rows, OBJECT_ROWS_SIZE);
    none.add(empty, Float32Array.from([...found[2]!, ...found[2]!]), 2);
    expect(none.finish()).toBe(0);
  });
});
