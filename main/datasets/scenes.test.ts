import { describe, expect, it } from 'vitest';
import { moveMap } from './import/augment.ts';
import { createRng } from './rng.ts';
import { loadScenes, renderScene } from './scenes.ts';
import { SCENE_CLASSES } from './scene-geometry.ts';

describe('the scenes dataset', () => {
  it('is the same bytes for the same seed, and another scene for another seed', () => {
    const options = { imageShape: [24, 32, 3] as const, seed: 5, limit: 6 };
    const a = loadScenes(options);
    const b = loadScenes(options);
    expect(Buffer.from(a.splits.train.images).equals(Buffer.from(b.splits.train.images))).toBe(
      true,
    );
    for (const name of ['mask', 'depth', 'normals']) {
      expect(a.splits.train.targets[name]).toEqual(b.splits.train.targets[name]);
    }
    const c = loadScenes({ ...options, seed: 6 });
    expect(Buffer.from(c.splits.train.images).equals(Buffer.from(a.splits.train.images))).toBe(
      false,
    );
  });

  it('draws its maps at the image size, a class, a depth and a unit normal at every pixel', () => {
    const data = loadScenes({ imageShape: [24, 32, 1], seed: 2, limit: 10 });
    expect(data.targets).toEqual([
      { name: 'mask', kind: 'mask', classes: [...SCENE_CLASSES], height: 24, width: 32 },
      { name: 'depth', kind: 'depth', height: 24, width: 32 },
      { name: 'normals', kind: 'normals', height: 24, width: 32 },
    ]);
    const { mask, depth, normals } = data.splits.train.targets as Record<string, Float32Array>;
    expect(mask!.length).toBe(8 * 24 * 32);
    const seen = new Set(mask);
    for (const k of seen)
      expect(Number.isInteger(k) && k >= 0 && k < SCENE_CLASSES.length).toBe(true);
    // The room is in every picture; the solids in most.
    expect(seen.has(0) && seen.has(1)).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(4);
    // The ray through each pixel's centre, in the normals' frame (x right, y up, z towards the
    // camera), with the camera's 60° field of view.
    const focal = 16 / Math.tan(Math.PI / 6);
    for (let i = 0; i < depth!.length; i++) {
      expect(depth![i]).toBeGreaterThan(0.5);
      const [x, y, z] = [0, 1, 2].map((k) => normals![i * 3 + k]!);
      expect(Math.hypot(x!, y!, z!)).toBeCloseTo(1, 5);
      const column = (i % (24 * 32)) % 32;
      const row = Math.floor((i % (24 * 32)) / 32);
      const ray = [(column + 0.5 - 16) / focal, -(row + 0.5 - 12) / focal, -1];
      // A surface the camera sees faces it.
      expect(x! * ray[0]! + y! * ray[1]! + z! * ray[2]!).toBeLessThan(0);
    }
  });

  it('shows the floor below with an upward normal and the geometry in the shading', () => {
    const maps = renderScene(createRng(9, 1), 32, 32, 3);
    const bottom = 31 * 32 + 16;
    expect(maps.mask[bottom]).toBe(0);
    // Floor: up (y > 0 in x right, y up, z towards the camera), seen from above.
    expect(maps.normals[bottom * 3 + 1]).toBeGreaterThan(0.5);
    // Different surfaces are lit differently.
    const brightness = new Set(Array.from(maps.image, (v) => Math.round(v * 20)));
    expect(brightness.size).toBeGreaterThan(5);
  });
});

describe('maps follow augmentation', () => {
  // A 1×3 map of normals: a mirror swaps left and right and negates x.
  const normals = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);

  it('mirror with the image, negating a normal’s x', () => {
    const moved = moveMap(
      normals,
      [1, 3, 3],
      { flipped: true },
      { outside: 0, mirrorNegates: [0] },
    );
    expect(Array.from(moved)).toEqual([0, 0, 1, 0, 1, 0, -1, 0, 0]);
  });

  it('shift by whole pixels with what comes in from outside set to nothing', () => {
    const mask = Float32Array.from([1, 2, 3, 4]);
    const moved = moveMap(
      mask,
      [1, 4, 1],
      { flipped: false, affine: { scale: 1, shiftX: 0.25, shiftY: 0 } },
      { outside: 255 },
    );
    expect(Array.from(moved)).toEqual([255, 1, 2, 3]);
  });

  it('divide a depth by the zoom: a nearer look', () => {
    const depth = Float32Array.from([2, 2, 4, 4]);
    const moved = moveMap(
      depth,
      [2, 2, 1],
      { flipped: false, affine: { scale: 2, shiftX: 0, shiftY: 0 } },
      { outside: 0, zoomDivides: true },
    );
    expect(Array.from(moved)).toEqual([1, 1, 2, 2]);
  });
});
