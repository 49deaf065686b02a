import { describe, expect, it } from 'vitest';
import { OBJECT_ROWS_SIZE, readObjectRows } from '../../core/detection/object-rows.ts';
import { loadDigitsScenes, MAX_DIGITS_PER_SCENE } from './digits-scenes.ts';

const load = (seed: number, limit: number, channels = 1) =>
  loadDigitsScenes({ imageShape: [96, 96, channels], seed, limit });

describe('digits-scenes', () => {
  it('gives the same bytes for the same seed, others for another, and a sample whatever the limit', () => {
    const a = load(3, 30);
    const b = load(3, 30);
    expect(Buffer.from(a.splits.train.images).equals(Buffer.from(b.splits.train.images))).toBe(
      true,
    );
    expect(a.splits.test.targets.digits).toEqual(b.splits.test.targets.digits);
    expect(
      Buffer.from(load(4, 30).splits.train.images).equals(Buffer.from(a.splits.train.images)),
    ).toBe(false);
    const more = load(3, 60);
    const size = 96 * 96;
    expect(
      Buffer.from(more.splits.train.images.subarray(0, 5 * size)).equals(
        Buffer.from(a.splits.train.images.subarray(0, 5 * size)),
      ),
    ).toBe(true);
    expect(more.splits.train.targets.count!.subarray(0, 5)).toEqual(
      a.splits.train.targets.count!.subarray(0, 5),
    );
  });

  it('boxes one to six digits of ten classes inside the image, and counts them', () => {
    const data = load(1, 100);
    const split = data.splits.train;
    const counts = new Set<number>();
    for (let i = 0; i < split.size; i++) {
      const objects = readObjectRows(split.targets.digits!, i * OBJECT_ROWS_SIZE);
      expect(objects.length).toBeGreaterThanOrEqual(1);
      expect(objects.length).toBeLessThanOrEqual(MAX_DIGITS_PER_SCENE);
      expect(split.targets.count![i]).toBe(objects.length - 1);
      counts.add(objects.length);
      for (const o of objects) {
        expect(o.classIndex).toBeGreaterThanOrEqual(0);
        expect(o.classIndex).toBeLessThan(10);
        const [x0, y0, x1, y1] = o.box;
        expect(0 <= x0 && x0 < x1 && x1 <= 1 && 0 <= y0 && y0 < y1 && y1 <= 1).toBe(true);
        // Digits differ in size: from a few pixels of ink to about a third of the image.
        expect((y1 - y0) * 96).toBeGreaterThan(4);
      }
    }
    expect(counts.size).toBe(MAX_DIGITS_PER_SCENE);
    expect(data.targets.map((t) => [t.name, t.kind])).toEqual([
      ['digits', 'objects'],
      ['count', 'class'],
    ]);
  });
});
