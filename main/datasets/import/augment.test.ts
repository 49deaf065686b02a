import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import type { ImageShape } from '../types.ts';
import {
  adjustBrightnessContrast,
  affineBox,
  affineResample,
  augmentSample,
  checkAugmentOptions,
  flipBox,
  flipHorizontal,
} from './augment.ts';
import { brightExtent } from './test-fixtures.ts';
import type { UnitBox } from './types.ts';

const SHAPE: ImageShape = [40, 48, 3];

/** A black image with a white rectangle over pixel columns [x0, x1) and rows [y0, y1). */
function rectangle(shape: ImageShape, [x0, y0, x1, y1]: readonly number[]): Uint8Array {
  const [height, width, channels] = shape;
  const pixels = new Uint8Array(height * width * channels);
  for (let y = y0 as number; y < (y1 as number); y++) {
    for (let x = x0 as number; x < (x1 as number); x++) {
      pixels.fill(255, (y * width + x) * channels, (y * width + x + 1) * channels);
    }
  }
  return pixels;
}

function expectBoxMatchesPixels(pixels: Uint8Array, box: UnitBox, shape: ImageShape) {
  const [height, width] = shape;
  const inPixels = [box[0] * width, box[1] * height, box[2] * width, box[3] * height];
  const found = brightExtent(pixels, shape);
  found.forEach((v, k) => expect(Math.abs(v - (inPixels[k] as number))).toBeLessThanOrEqual(1));
}

const PIXEL_BOX = [10, 6, 30, 22];
const UNIT_BOX: UnitBox = [10 / 48, 6 / 40, 30 / 48, 22 / 40];

describe('flip', () => {
  it('mirrors the pixels and the box together', () => {
    const pixels = rectangle(SHAPE, PIXEL_BOX);
    const flipped = flipHorizontal(pixels, SHAPE);
    const box = flipBox(UNIT_BOX);
    expect(box[0]).toBeCloseTo(18 / 48);
    expect(box[2]).toBeCloseTo(38 / 48);
    expectBoxMatchesPixels(flipped, box, SHAPE);
  });

  it('twice is the identity', () => {
    const pixels = Uint8Array.from({ length: 5 * 7 * 3 }, (_, i) => (i * 37) % 256);
    const shape: ImageShape = [5, 7, 3];
    expect(flipHorizontal(flipHorizontal(pixels, shape), shape)).toEqual(pixels);
    expect(flipBox(flipBox(UNIT_BOX))).toEqual(UNIT_BOX.map((v) => expect.closeTo(v, 12)));
  });
});

describe('affine', () => {
  it.each([
    { scale: 1, shiftX: 0.1, shiftY: -0.05 },
    { scale: 1.2, shiftX: 0, shiftY: 0 },
    { scale: 0.85, shiftX: -0.08, shiftY: 0.1 },
    { scale: 1.1, shiftX: 0.3, shiftY: 0 }, // pushes the box past the right edge: clipped
  ])('moves the box as it moves the pixels: %o', (affine) => {
    const out = affineResample(rectangle(SHAPE, PIXEL_BOX), SHAPE, affine);
    const box = affineBox(UNIT_BOX, affine);
    expect(box.every((v) => v >= 0 && v <= 1)).toBe(true);
    expectBoxMatchesPixels(out, box, SHAPE);
  });

  it('fills what comes from outside the image with black', () => {
    const white = new Uint8Array(10 * 10).fill(255);
    const out = affineResample(white, [10, 10, 1], { scale: 0.5, shiftX: 0, shiftY: 0 });
    expect(out[0]).toBe(0);
    expect(out[5 * 10 + 5]).toBe(255);
  });

  it('changes nothing at scale 1 and no shift', () => {
    const pixels = Uint8Array.from({ length: 6 * 9 * 3 }, (_, i) => (i * 53) % 256);
    expect(affineResample(pixels, [6, 9, 3], { scale: 1, shiftX: 0, shiftY: 0 })).toEqual(pixels);
  });
});

describe('adjustBrightnessContrast', () => {
  it('clamps to 0..255 instead of wrapping', () => {
    const pixels = Uint8Array.from([0, 10, 128, 250, 255]);
    expect([...adjustBrightnessContrast(pixels, 0.5, 1)]).toEqual([128, 138, 255, 255, 255]);
    expect([...adjustBrightnessContrast(pixels, -0.5, 1)]).toEqual([0, 0, 1, 123, 128]);
    const stretched = adjustBrightnessContrast(pixels, 0, 3);
    expect(stretched[0]).toBe(0);
    expect(stretched[4]).toBe(255);
  });

  it('scales distances from the mean by the contrast', () => {
    const pixels = Uint8Array.from([100, 140]); // mean 120
    expect([...adjustBrightnessContrast(pixels, 0, 0.5)]).toEqual([110, 130]);
    expect([...adjustBrightnessContrast(pixels, 0, 1)]).toEqual([100, 140]);
  });
});

describe('augmentSample', () => {
  const options = { flip: true, shift: 0.1, scale: 0.1, brightness: 0.1, contrast: 0.2 };

  it('gives back the same bytes and box with every option off or zero', () => {
    const pixels = Uint8Array.from({ length: 40 * 48 * 3 }, (_, i) => (i * 31) % 256);
    for (const none of [{}, { flip: false, shift: 0, scale: 0, brightness: 0, contrast: 0 }]) {
      const out = augmentSample(pixels, SHAPE, UNIT_BOX, none, createRng(1));
      expect(out.pixels).toEqual(pixels);
      expect(out.box).toEqual(UNIT_BOX);
    }
  });

  it('keeps the box on the rectangle through flips, shifts and zooms', () => {
    const pixels = rectangle(SHAPE, PIXEL_BOX);
    const geometric = { flip: true, shift: 0.15, scale: 0.2 };
    for (let seed = 0; seed < 20; seed++) {
      const out = augmentSample(pixels, SHAPE, UNIT_BOX, geometric, createRng(seed));
      expectBoxMatchesPixels(out.pixels, out.box as UnitBox, SHAPE);
    }
  });

  it('is the same for the same generator state and differs between seeds', () => {
    const pixels = rectangle(SHAPE, PIXEL_BOX);
    const a = augmentSample(pixels, SHAPE, UNIT_BOX, options, createRng(7, 1));
    const b = augmentSample(pixels, SHAPE, UNIT_BOX, options, createRng(7, 1));
    expect(b).toEqual(a);
    const outputs = new Set(
      Array.from({ length: 8 }, (_, seed) =>
        Buffer.from(
          augmentSample(pixels, SHAPE, UNIT_BOX, options, createRng(seed)).pixels,
        ).toString('base64'),
      ),
    );
    expect(outputs.size).toBeGreaterThan(1);
  });

  it('leaves its input untouched and works without a box', () => {
    const pixels = rectangle(SHAPE, PIXEL_BOX);
    const copy = pixels.slice();
    const out = augmentSample(pixels, SHAPE, undefined, options, createRng(3));
    expect(pixels).toEqual(copy);
    expect(out.box).toBeUndefined();
    expect(out.pixels.length).toBe(pixels.length);
  });
});

describe('checkAugmentOptions', () => {
  it('accepts the ranges the settings allow and refuses the rest with a sentence', () => {
    expect(() =>
      checkAugmentOptions({ flip: true, shift: 0.3, scale: 0.3, brightness: 0.5, contrast: 0.5 }),
    ).not.toThrow();
    expect(() => checkAugmentOptions({ scale: 1 })).toThrow(
      /Augmentation 'scale' must be a number from 0 to 0.99; got 1\./,
    );
    expect(() => checkAugmentOptions({ shift: -0.1 })).toThrow(/'shift'/);
    expect(() => checkAugmentOptions({ brightness: Number.NaN })).toThrow(/'brightness'/);
  });
});
