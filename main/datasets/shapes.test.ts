import { describe, expect, it } from 'vitest';
import { luminance } from './canvas.ts';
import { SHAPE_KINDS, shapeContains, shapeCoverage } from './shape-geometry.ts';
import {
  MIN_LUMINANCE_CONTRAST,
  SHAPE_MASK_CLASSES,
  SHAPES_FULL_SIZE,
  loadShapes,
  shapeClassOrder,
} from './shapes.ts';
import type { DatasetSplit } from './types.ts';

const small = { imageShape: [32, 32, 3], seed: 5, limit: 80 } as const;

function boxPixels(split: DatasetSplit, i: number, height: number, width: number) {
  const [xmin = 0, ymin = 0, xmax = 0, ymax = 0] =
    split.targets.box?.subarray(i * 4, i * 4 + 4) ?? [];
  return {
    left: Math.round(xmin * width),
    top: Math.round(ymin * height),
    right: Math.round(xmax * width) - 1,
    bottom: Math.round(ymax * height) - 1,
  };
}

describe('shape geometry', () => {
  it('tells inside from outside for each kind', () => {
    expect(SHAPE_KINDS.map((kind) => shapeContains(kind, 0.5, 0.5))).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(SHAPE_KINDS.map((kind) => shapeContains(kind, 0.02, 0.02))).toEqual([
      false,
      true,
      false,
      false,
      false,
    ]);
    expect(shapeContains('ring', 0.5, 0.05)).toBe(true);
    expect(shapeContains('triangle', 0.5, 0.02)).toBe(true);
    expect(shapeContains('triangle', 0.1, 0.1)).toBe(false);
    expect(shapeContains('square', 1.01, 0.5)).toBe(false);
  });

  it('covers whole pixels fully and partial pixels partly', () => {
    const aligned = shapeCoverage({ kind: 'square', left: 2, top: 1, size: 3 }, 6, 6);
    const covered = Array.from(aligned.data).filter((v) => v > 0);
    expect(covered).toEqual(new Array(9).fill(1));
    expect(aligned.data[1 * 6 + 2]).toBe(1);
    const shifted = shapeCoverage({ kind: 'square', left: 2.7, top: 1, size: 3 }, 6, 6);
    expect(shifted.data[1 * 6 + 2]).toBeCloseTo(1 / 3, 5);
    expect(shifted.data[1 * 6 + 5]).toBeCloseTo(2 / 3, 5);
  });
});

describe('loadShapes', () => {
  it('is byte-identical for the same seed and different for another', () => {
    const a = loadShapes(small);
    const b = loadShapes(small);
    const c = loadShapes({ ...small, seed: 6 });
    for (const name of ['train', 'validation', 'test'] as const) {
      expect(a.splits[name].images).toEqual(b.splits[name].images);
      expect(a.splits[name].targets).toEqual(b.splits[name].targets);
    }
    expect(a.splits.train.images).not.toEqual(c.splits.train.images);
    expect(a.splits.train.targets.colour).not.toEqual(c.splits.train.targets.colour);
    expect([a.splits.train.size, a.splits.validation.size, a.splits.test.size]).toEqual([64, 8, 8]);
  });

  it('balances the classes', () => {
    const order = shapeClassOrder(1);
    for (let kind = 0; kind < SHAPE_KINDS.length; kind += 1) {
      expect(order.filter((k) => k === kind).length).toBe(SHAPES_FULL_SIZE / SHAPE_KINDS.length);
    }
    const { train } = loadShapes({ imageShape: [8, 8, 1], seed: 1, limit: 625 }).splits;
    const counts = new Array<number>(5).fill(0);
    for (const k of train.targets.class ?? []) counts[k] = (counts[k] ?? 0) + 1;
    for (const count of counts) expect(count).toBeGreaterThan(70);
    for (const count of counts) expect(count).toBeLessThan(130);
  });

  it('reports colours in [0, 1] and boxes inside the canvas', () => {
    const { train } = loadShapes({ ...small, imageShape: [20, 30, 3], limit: 200 }).splits;
    const colours = train.targets.colour ?? new Float32Array();
    expect(colours.length).toBe(train.size * 3);
    for (const value of colours) expect(value >= 0 && value <= 1).toBe(true);
    const boxes = train.targets.box ?? new Float32Array();
    for (let i = 0; i < train.size; i += 1) {
      const [xmin = 0, ymin = 0, xmax = 0, ymax = 0] = boxes.subarray(i * 4, i * 4 + 4);
      expect(xmin >= 0 && ymin >= 0 && xmax <= 1 && ymax <= 1).toBe(true);
      expect(xmin < xmax && ymin < ymax).toBe(true);
      // Sides run from 25% to 70% of the shorter side (5 to 14 of 20 pixels); a side at a fractional
      // position can touch one more pixel, and subsampling can miss a sliver at the edge.
      expect((ymax - ymin) * 20).toBeGreaterThanOrEqual(4);
      expect((ymax - ymin) * 20).toBeLessThanOrEqual(15.001);
    }
  });

  it('boxes every drawn pixel tightly and paints the fill colour', () => {
    const [height, width] = [32, 32];
    const { train } = loadShapes({ ...small, limit: 60 }, { noiseSigma: 0 }).splits;
    for (let i = 0; i < train.size; i += 1) {
      const image = train.images.subarray(i * height * width * 3, (i + 1) * height * width * 3);
      const box = boxPixels(train, i, height, width);
      const at = (x: number, y: number) =>
        Array.from(image.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
      // The shape spans at most 70% of the side, so a canvas corner is always background.
      const corners = [at(0, 0), at(width - 1, 0), at(0, height - 1), at(width - 1, height - 1)];
      const background = corners.find((_, c) => {
        const [x, y] = [c % 2 === 0 ? 0 : width - 1, c < 2 ? 0 : height - 1];
        return x < box.left || x > box.right || y < box.top || y > box.bottom;
      });
      expect(background).toBeDefined();
      const edges = [0, 0, 0, 0];
      for (let y = 0; y < height; y += 1) {
        for (let x = 0; x < width; x += 1) {
          const drawn = at(x, y).join() !== background?.join();
          const inside = x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
          if (!inside) expect(drawn).toBe(false);
          if (!drawn) continue;
          if (x === box.left) edges[0] = 1;
          if (x === box.right) edges[1] = 1;
          if (y === box.top) edges[2] = 1;
          if (y === box.bottom) edges[3] = 1;
        }
      }
      expect(edges).toEqual([1, 1, 1, 1]);
      const kind = SHAPE_KINDS[train.targets.class?.[i] ?? 0];
      if (kind !== 'ring') {
        const centre = at(
          Math.floor((box.left + box.right + 1) / 2),
          Math.floor((box.top + box.bottom + 1) / 2),
        );
        const fill = Array.from(
          train.targets.colour?.subarray(i * 3, i * 3 + 3) ?? [],
          (v) => v * 255,
        );
        for (let c = 0; c < 3; c += 1)
          expect(Math.abs((centre[c] ?? 0) - (fill[c] ?? 0))).toBeLessThan(1);
      }
    }
  });

  it('marks in its mask exactly the pixels drawn nearer the fill than the background', () => {
    const [height, width] = [32, 32];
    const data = loadShapes({ ...small, limit: 60 }, { noiseSigma: 0 });
    expect(data.targets.find((t) => t.name === 'mask')).toEqual({
      name: 'mask',
      kind: 'mask',
      classes: ['background', 'circle', 'square', 'triangle', 'cross', 'ring'],
      height,
      width,
    });
    const { train } = data.splits;
    const pixels = height * width;
    for (let i = 0; i < train.size; i += 1) {
      const image = train.images.subarray(i * pixels * 3, (i + 1) * pixels * 3);
      const mask = train.targets.mask?.subarray(i * pixels, (i + 1) * pixels) ?? [];
      const kind = SHAPE_KINDS[train.targets.class?.[i] ?? 0] ?? 'circle';
      const fill = Array.from(
        train.targets.colour?.subarray(i * 3, i * 3 + 3) ?? [],
        (v) => v * 255,
      );
      // A corner outside the box is plain background.
      const box = boxPixels(train, i, height, width);
      const corner = [0, width - 1, pixels - width, pixels - 1].find((p) => {
        const [x, y] = [p % width, Math.floor(p / width)];
        return x < box.left || x > box.right || y < box.top || y > box.bottom;
      });
      const background = Array.from(image.subarray((corner ?? 0) * 3, (corner ?? 0) * 3 + 3));
      const distance = (p: number, colour: readonly number[]) =>
        [0, 1, 2].reduce((sum, c) => sum + Math.abs((image[p * 3 + c] ?? 0) - (colour[c] ?? 0)), 0);
      let marked = 0;
      for (let p = 0; p < pixels; p += 1) {
        const nearerFill = distance(p, fill) < distance(p, background);
        expect(mask[p]).toBe(nearerFill ? SHAPE_MASK_CLASSES.indexOf(kind) : 0);
        if (nearerFill) marked += 1;
      }
      expect(marked).toBeGreaterThan(0);
    }
  });

  it('renders the same shapes in luminance for one channel, with enough contrast', () => {
    const colour = loadShapes({ ...small, limit: 30 }, { noiseSigma: 0 });
    const grey = loadShapes({ ...small, imageShape: [32, 32, 1], limit: 30 }, { noiseSigma: 0 });
    expect(grey.splits.train.targets).toEqual(colour.splits.train.targets);
    const rgb = colour.splits.train.images;
    const one = grey.splits.train.images;
    for (let pixel = 0; pixel < one.length; pixel += 97) {
      const expected = luminance(
        rgb[pixel * 3] ?? 0,
        rgb[pixel * 3 + 1] ?? 0,
        rgb[pixel * 3 + 2] ?? 0,
      );
      expect(Math.abs((one[pixel] ?? 0) - expected)).toBeLessThanOrEqual(1.5);
    }
    const pixels = 32 * 32;
    for (let i = 0; i < grey.splits.train.size; i += 1) {
      const image = one.subarray(i * pixels, (i + 1) * pixels);
      const spread = (Math.max(...image) - Math.min(...image)) / 255;
      expect(spread).toBeGreaterThanOrEqual(MIN_LUMINANCE_CONTRAST - 0.01);
    }
  });

  it('adds noise to the stored images by default', () => {
    const noisy = loadShapes({ ...small, limit: 10 });
    const clean = loadShapes({ ...small, limit: 10 }, { noiseSigma: 0 });
    expect(noisy.splits.train.targets).toEqual(clean.splits.train.targets);
    const a = noisy.splits.train.images;
    const b = clean.splits.train.images;
    let squared = 0;
    for (let i = 0; i < a.length; i += 1) squared += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
    const sigma = Math.sqrt(squared / a.length) / 255;
    expect(sigma).toBeGreaterThan(0.03);
    expect(sigma).toBeLessThan(0.07);
  });
});
