import { describe, expect, it } from 'vitest';
import { OBJECT_ROWS_SIZE, readObjectRows } from '../../core/detection/object-rows.ts';
import { normaliseBox, tightBox } from './canvas.ts';
import { createRng } from './rng.ts';
import { SHAPE_KINDS } from './shape-geometry.ts';
import {
  drawShapeScene,
  loadShapesScenes,
  MAX_SHAPES_PER_SCENE,
  renderShapeScene,
  sceneObjects,
  type ShapeScene,
} from './shapes-scenes.ts';

const load = (seed: number, limit: number, channels = 3) =>
  loadShapesScenes({ imageShape: [48, 64, channels], seed, limit });

/** The pixels whose value depends on shape k's colour: where it shows, found without its boxes. */
function pixelsShowing(scene: ShapeScene, k: number, height: number, width: number) {
  const shape = scene.shapes[k]!;
  const other: ShapeScene = {
    ...scene,
    shapes: scene.shapes.map((s, j) =>
      j === k ? { ...shape, fill: [0, 1, 2].map((c) => (shape.fill[c]! + 0.5) % 1) as never } : s,
    ),
  };
  const a = renderShapeScene(scene, height, width, 3).values;
  const b = renderShapeScene(other, height, width, 3).values;
  const data = new Float32Array(height * width);
  for (let p = 0; p < data.length; p++) {
    for (let c = 0; c < 3; c++) if (a[p * 3 + c] !== b[p * 3 + c]) data[p] = 1;
  }
  return tightBox({ width, height, data }, 0);
}

describe('shapes-scenes', () => {
  it('boxes each shape by the pixels it shows in, hidden parts left out', () => {
    const [height, width] = [48, 64];
    let overlapping = 0;
    for (let i = 0; i < 60; i++) {
      const scene = drawShapeScene(createRng(7, 1, i), height, width);
      const { boxes } = renderShapeScene(scene, height, width, 3);
      scene.shapes.forEach((_, k) => {
        expect(boxes[k], `scene ${i} shape ${k}`).toEqual(pixelsShowing(scene, k, height, width));
      });
      const objects = sceneObjects(scene, boxes, height, width);
      objects.forEach((o, k) => expect(o.box).toEqual(normaliseBox(boxes[k]!, width, height)));
      const area = (b: readonly number[]) => (b[2]! - b[0]!) * (b[3]! - b[1]!);
      for (const [a, o] of objects.entries()) {
        for (const p of objects.slice(a + 1)) {
          const across = Math.min(o.box[2], p.box[2]) - Math.max(o.box[0], p.box[0]);
          const down = Math.min(o.box[3], p.box[3]) - Math.max(o.box[1], p.box[1]);
          if (across > 0 && down > 0 && across * down < Math.min(area(o.box), area(p.box)))
            overlapping += 1;
        }
      }
    }
    // Shapes touch now and then, but none lies under another.
    expect(overlapping).toBeGreaterThan(0);
  });

  it('gives the same scenes for the same seed whatever the limit or channels, others for another', () => {
    const a = load(3, 30);
    expect(
      Buffer.from(load(3, 30).splits.train.images).equals(Buffer.from(a.splits.train.images)),
    ).toBe(true);
    expect(
      Buffer.from(load(4, 30).splits.train.images).equals(Buffer.from(a.splits.train.images)),
    ).toBe(false);
    const more = load(3, 60);
    const size = 48 * 64 * 3;
    expect(
      Buffer.from(more.splits.train.images.subarray(0, 5 * size)).equals(
        Buffer.from(a.splits.train.images.subarray(0, 5 * size)),
      ),
    ).toBe(true);
    const grey = load(3, 30, 1);
    expect(grey.splits.test.targets.shapes).toEqual(a.splits.test.targets.shapes);
    expect(grey.splits.train.images.length * 3).toBe(a.splits.train.images.length);
  });

  it('holds one to five shapes of every kind and size, and counts them', () => {
    const data = load(1, 200);
    const split = data.splits.train;
    const counts = new Set<number>();
    const kinds = new Set<number>();
    const sides: number[] = [];
    for (let i = 0; i < split.size; i++) {
      const objects = readObjectRows(split.targets.shapes!, i * OBJECT_ROWS_SIZE);
      expect(objects.length).toBeGreaterThanOrEqual(1);
      expect(objects.length).toBeLessThanOrEqual(MAX_SHAPES_PER_SCENE);
      expect(split.targets.count![i]).toBe(objects.length - 1);
      counts.add(objects.length);
      for (const o of objects) {
        kinds.add(o.classIndex);
        const [x0, y0, x1, y1] = o.box;
        expect(0 <= x0 && x0 < x1 && x1 <= 1 && 0 <= y0 && y0 < y1 && y1 <= 1).toBe(true);
        sides.push((x1 - x0) * 64);
      }
    }
    expect(counts.size).toBe(MAX_SHAPES_PER_SCENE);
    expect(kinds.size).toBe(SHAPE_KINDS.length);
    expect(Math.min(...sides)).toBeLessThan(12);
    expect(Math.max(...sides)).toBeGreaterThan(18);
    expect(data.targets.map((t) => [t.name, t.kind])).toEqual([
      ['shapes', 'objects'],
      ['count', 'class'],
    ]);
  });
});
