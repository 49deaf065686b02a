import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyBoxTransform,
  decodeImage,
  IDENTITY_TRANSFORM,
  letterboxLayout,
  letterboxTransform,
  padInto,
} from './decode.ts';
import { brightExtent } from './test-fixtures.ts';
import type { UnitBox } from './types.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-decode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A black RGB image with a white rectangle over pixel columns [x0, x1) and rows [y0, y1). */
function rectangleImage(width: number, height: number, [x0, y0, x1, y1]: number[]): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = y0 as number; y < (y1 as number); y++) {
    for (let x = x0 as number; x < (x1 as number); x++)
      pixels.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return pixels;
}

async function writePng(
  name: string,
  raw: Buffer,
  width: number,
  height: number,
  channels: 1 | 3 | 4 = 3,
) {
  const file = join(dir, name);
  await sharp(raw, { raw: { width, height, channels } }).png().toFile(file);
  return file;
}

/** The unit extent of the pixels at or above half brightness in channel 0. */
function brightUnitBox(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
): UnitBox {
  const [left, top, right, bottom] = brightExtent(pixels, [height, width, channels]);
  return [left / width, top / height, right / width, bottom / height];
}

describe('letterboxLayout', () => {
  it('centres the fitted image, an odd pixel of padding going right and bottom', () => {
    expect(letterboxLayout(64, 48, 64, 64)).toEqual({ width: 64, height: 48, left: 0, top: 8 });
    expect(letterboxLayout(24, 32, 64, 32)).toEqual({ width: 24, height: 32, left: 20, top: 0 });
    expect(letterboxLayout(10, 7, 10, 10)).toEqual({ width: 10, height: 7, left: 0, top: 1 });
  });
});

describe('padInto', () => {
  it('places the rows at the offsets and leaves the rest black', () => {
    const inner = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 2 wide, 1 high, 3 channels
    const out = padInto(inner, letterboxLayout(2, 1, 2, 3), [3, 2, 3]);
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0]);
  });
});

describe('applyBoxTransform', () => {
  it('leaves a box alone under the identity (stretch)', () => {
    expect(applyBoxTransform([0.1, 0.2, 0.5, 0.9], IDENTITY_TRANSFORM)).toEqual([
      0.1, 0.2, 0.5, 0.9,
    ]);
  });

  it('scales and offsets a box into the letterbox', () => {
    const t = letterboxTransform(letterboxLayout(64, 48, 64, 64), 64, 64);
    expect(t).toEqual({ scaleX: 1, scaleY: 0.75, offsetX: 0, offsetY: 0.125 });
    const [x0, y0, x1, y1] = applyBoxTransform([0, 0, 1, 1], t);
    expect([x0, y0, x1, y1]).toEqual([0, 0.125, 1, 0.875]);
    expect(applyBoxTransform([0.5, 0.5, 0.75, 1], t)).toEqual([0.5, 0.5, 0.75, 0.875]);
  });
});

describe('decodeImage', () => {
  it('letterboxes a wide image and the box transform follows the pixels', async () => {
    const box = [8, 4, 24, 16]; // of a 40×20 image
    const file = await writePng('wide.png', rectangleImage(40, 20, box), 40, 20);
    const { pixels, transform } = await decodeImage(file, [20, 20, 3], 'letterbox');
    expect(pixels.length).toBe(20 * 20 * 3);
    expect(transform).toEqual({ scaleX: 1, scaleY: 0.5, offsetX: 0, offsetY: 0.25 });
    const expected = applyBoxTransform([8 / 40, 4 / 20, 24 / 40, 16 / 20], transform);
    const found = brightUnitBox(pixels, 20, 20, 3);
    found.forEach((v, k) =>
      expect(Math.abs(v - (expected[k] as number))).toBeLessThanOrEqual(1 / 20),
    );
    // The padding rows are black.
    expect(pixels.subarray(0, 20 * 4 * 3).every((v) => v === 0)).toBe(true);
    expect(pixels.subarray(20 * 16 * 3).every((v) => v === 0)).toBe(true);
  });

  it('stretches to the exact size with an identity box transform', async () => {
    const box = [8, 4, 24, 16];
    const file = await writePng('stretch.png', rectangleImage(40, 20, box), 40, 20);
    const { pixels, transform } = await decodeImage(file, [10, 20, 3], 'stretch');
    expect(transform).toEqual(IDENTITY_TRANSFORM);
    const found = brightUnitBox(pixels, 20, 10, 3);
    const expected = [8 / 40, 4 / 20, 24 / 40, 16 / 20];
    found.forEach((v, k) =>
      expect(Math.abs(v - (expected[k] as number))).toBeLessThanOrEqual(1 / 10),
    );
  });

  it('gives one grey channel or three sRGB channels, alpha flattened onto black', async () => {
    const rgba = Buffer.alloc(8 * 8 * 4);
    for (let i = 0; i < 64; i++)
      rgba.set(i < 32 ? [255, 255, 255, 255] : [255, 255, 255, 0], i * 4);
    const file = await writePng('alpha.png', rgba, 8, 8, 4);
    const grey = await decodeImage(file, [8, 8, 1], 'stretch');
    expect(grey.pixels.length).toBe(64);
    expect(grey.pixels[0]).toBe(255);
    expect(grey.pixels[63]).toBe(0);
    const colour = await decodeImage(file, [8, 8, 3], 'stretch');
    expect(colour.pixels.length).toBe(192);
    expect([...colour.pixels.subarray(189)]).toEqual([0, 0, 0]);

    const greyFile = await writePng('grey.png', Buffer.alloc(64, 90), 8, 8, 1);
    const spread = await decodeImage(greyFile, [4, 4, 3], 'stretch');
    expect([...spread.pixels.subarray(0, 3)]).toEqual([90, 90, 90]);
  });

  it('turns the image as its EXIF orientation says before fitting it', async () => {
    // 10 wide, 6 high, the left half red; orientation 6 means "rotate 90° clockwise to view".
    const raw = Buffer.alloc(10 * 6 * 3);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) raw[(y * 10 + x) * 3] = 255;
    const file = join(dir, 'turned.jpg');
    await sharp(raw, { raw: { width: 10, height: 6, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const { pixels, transform } = await decodeImage(file, [20, 20, 3], 'letterbox');
    // Viewed upright it is 6 wide and 10 high: it fills the height and 12 of 20 columns.
    expect(transform).toEqual({ scaleX: 0.6, scaleY: 1, offsetX: 0.2, offsetY: 0 });
    // The left half (red) is now the top half.
    const red = (x: number, y: number) => pixels[(y * 20 + x) * 3] as number;
    expect(red(10, 2)).toBeGreaterThan(200);
    expect(red(10, 17)).toBeLessThan(50);
  });

  it('gives the same bytes every time', async () => {
    const noise = Buffer.from(Array.from({ length: 50 * 30 * 3 }, (_, i) => (i * 7919) % 256));
    const file = join(dir, 'noise.jpg');
    await sharp(noise, { raw: { width: 50, height: 30, channels: 3 } })
      .jpeg()
      .toFile(file);
    const first = await decodeImage(file, [16, 16, 3], 'letterbox');
    const second = await decodeImage(file, [16, 16, 3], 'letterbox');
    expect(Buffer.from(second.pixels).equals(Buffer.from(first.pixels))).toBe(true);
  });

  it('throws for a truncated image, a file that is not an image, and a missing file', async () => {
    const noise = Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 256));
    const whole = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg()
      .toBuffer();
    const truncated = join(dir, 'truncated.jpg');
    await writeFile(truncated, whole.subarray(0, whole.length >> 1));
    await expect(decodeImage(truncated, [8, 8, 3], 'stretch')).rejects.toThrow();
    const text = join(dir, 'text.png');
    await writeFile(text, 'not an image');
    await expect(decodeImage(text, [8, 8, 3], 'letterbox')).rejects.toThrow();
    await expect(decodeImage(join(dir, 'absent.png'), [8, 8, 3], 'stretch')).rejects.toThrow(
      /Input file is missing/,
    );
  });

  it('keeps a thin strip at least one pixel wide, centred', async () => {
    const file = await writePng('strip.png', Buffer.alloc(2 * 400 * 3, 255), 2, 400);
    const { pixels, transform } = await decodeImage(file, [32, 32, 1], 'letterbox');
    expect(transform.scaleY).toBe(1);
    expect(transform.scaleX).toBeGreaterThanOrEqual(1 / 32);
    expect(transform.offsetX).toBeCloseTo((1 - transform.scaleX) / 2, 1);
    const column = Math.round(transform.offsetX * 32);
    expect(pixels[16 * 32 + column]).toBeGreaterThan(100);
    expect(pixels[16 * 32]).toBe(0);
  });

  it('refuses a channel count other than 1 or 3', async () => {
    const file = await writePng('small.png', Buffer.alloc(12, 1), 2, 2);
    await expect(decodeImage(file, [2, 2, 4], 'stretch')).rejects.toThrow(/1 or 3 channels/);
  });
});
