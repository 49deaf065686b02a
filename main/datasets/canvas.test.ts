import { describe, expect, it } from 'vitest';
import {
  addGaussianNoise,
  createGreyImage,
  luminance,
  normaliseBox,
  offsetBox,
  resizeGrey,
  tightBox,
  toByte,
  writeBytes,
  writeGreyAsChannels,
} from './canvas.ts';
import { createRng } from './rng.ts';

function sum(values: Float32Array): number {
  return values.reduce((total, v) => total + v, 0);
}

describe('resizeGrey', () => {
  it('keeps an image of the same size and a constant image unchanged', () => {
    const image = createGreyImage(5, 4);
    image.data.forEach((_, i) => (image.data[i] = (i % 7) / 7));
    expect(Array.from(resizeGrey(image, 5, 4).data)).toEqual(Array.from(image.data));
    const flat = createGreyImage(6, 6);
    flat.data.fill(0.5);
    for (const [w, h] of [
      [17, 13],
      [3, 2],
    ] as const) {
      for (const v of resizeGrey(flat, w, h).data) expect(v).toBeCloseTo(0.5, 5);
    }
  });

  it('averages a thin stroke when shrinking rather than dropping it', () => {
    const image = createGreyImage(28, 28);
    for (let y = 0; y < 28; y += 1) image.data[y * 28 + 13] = 1;
    const small = resizeGrey(image, 7, 7);
    // Ink mass per unit area is about conserved: one of 28 columns is ink, a quarter of a 7-px column.
    expect(sum(small.data) / 49).toBeCloseTo(1 / 28, 2);
    expect(Math.max(...small.data)).toBeGreaterThan(0.1);
  });

  it('interpolates between pixels when enlarging', () => {
    const image = createGreyImage(2, 1);
    image.data.set([0, 1]);
    const wide = resizeGrey(image, 4, 1);
    expect(Array.from(wide.data)).toEqual([0, 0.25, 0.75, 1]);
  });
});

describe('tightBox', () => {
  it('finds the smallest box of pixels above the threshold', () => {
    const image = createGreyImage(6, 5);
    image.data[1 * 6 + 2] = 0.9;
    image.data[3 * 6 + 4] = 0.3;
    image.data[4 * 6 + 0] = 0.25; // not strictly above 0.25
    expect(tightBox(image, 0.25)).toEqual({ left: 2, top: 1, right: 4, bottom: 3 });
    expect(tightBox(image, 0.95)).toBeNull();
  });

  it('normalises by pixel edges and moves by whole pixels', () => {
    const whole = { left: 0, top: 0, right: 9, bottom: 4 };
    expect(normaliseBox(whole, 10, 5)).toEqual([0, 0, 1, 1]);
    expect(normaliseBox({ left: 2, top: 1, right: 2, bottom: 1 }, 10, 5)).toEqual([
      0.2, 0.2, 0.3, 0.4,
    ]);
    expect(offsetBox(whole, 3, 1)).toEqual({ left: 3, top: 1, right: 12, bottom: 5 });
  });
});

describe('noise and bytes', () => {
  it('adds clamped noise with the asked sigma, and nothing for sigma 0', () => {
    const values = new Float32Array(10_000).fill(0.5);
    addGaussianNoise(values, 0, createRng(1));
    expect(values.every((v) => v === 0.5)).toBe(true);
    addGaussianNoise(values, 0.05, createRng(1));
    const mean = sum(values) / values.length;
    const sd = Math.sqrt(values.reduce((t, v) => t + (v - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sd).toBeCloseTo(0.05, 2);
    const edge = new Float32Array(1000).fill(1);
    addGaussianNoise(edge, 0.5, createRng(2));
    expect(edge.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('rounds to the nearest byte and replicates grey across channels', () => {
    expect([-0.2, 0, 0.5 / 255, 0.5, 1, 1.3, Number.NaN].map(toByte)).toEqual([
      0, 0, 1, 128, 255, 255, 0,
    ]);
    const out = new Uint8Array(6);
    writeGreyAsChannels(Float32Array.from([0, 1]), 3, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 255, 255, 255]);
    writeBytes(Float32Array.from([0.2, 0.4]), out);
    expect(Array.from(out.subarray(0, 2))).toEqual([51, 102]);
    expect(luminance(1, 1, 1)).toBeCloseTo(1, 6);
  });
});
