/**
 * Drawing helpers shared by the built-in datasets. Images are drawn in floats in [0, 1] (so blending
 * and noise do not lose precision) and quantised to bytes once, when written into a split.
 */
import type { Rng } from './rng.ts';

/** A single-channel float image, row-major. */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** A rectangle of whole pixels; right and bottom are inclusive. */
export interface PixelBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export function createGreyImage(width: number, height: number): GreyImage {
  return { width, height, data: new Float32Array(width * height) };
}

/** For each destination pixel along one axis: the first source pixel it reads and its tap weights. */
interface AxisFilter {
  readonly first: Int32Array;
  readonly taps: number;
  readonly weights: Float32Array;
}

/**
 * A triangle (tent) filter: plain bilinear interpolation when enlarging, widened to cover the whole
 * footprint of a destination pixel when shrinking, so that thin strokes are averaged rather than
 * skipped (the same rule as Pillow's BILINEAR). Weights are renormalised where taps fall off the edge.
 */
function axisFilter(sourceSize: number, targetSize: number): AxisFilter {
  const scale = targetSize / sourceSize;
  const support = Math.max(1, 1 / scale);
  const taps = 2 * Math.ceil(support) + 1;
  const first = new Int32Array(targetSize);
  const weights = new Float32Array(targetSize * taps);
  for (let out = 0; out < targetSize; out += 1) {
    const centre = (out + 0.5) / scale - 0.5;
    const low = Math.max(0, Math.ceil(centre - support));
    const high = Math.min(sourceSize - 1, Math.floor(centre + support));
    first[out] = low;
    let total = 0;
    for (let source = low; source <= high && source - low < taps; source += 1) {
      const weight = Math.max(0, 1 - Math.abs(source - centre) / support);
      weights[out * taps + source - low] = weight;
      total += weight;
    }
    if (total > 0) {
      for (let tap = 0; tap < taps; tap += 1) {
        weights[out * taps + tap] = (weights[out * taps + tap] ?? 0) / total;
      }
    }
  }
  return { first, taps, weights };
}

/** Resamples a grey image to a new size with a separable tent filter (see axisFilter). */
export function resizeGrey(source: GreyImage, width: number, height: number): GreyImage {
  const across = axisFilter(source.width, width);
  const down = axisFilter(source.height, height);
  const rows = new Float32Array(source.height * width);
  for (let y = 0; y < source.height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const start = across.first[x] ?? 0;
      let sum = 0;
      for (let tap = 0; tap < across.taps && start + tap < source.width; tap += 1) {
        sum +=
          (across.weights[x * across.taps + tap] ?? 0) *
          (source.data[y * source.width + start + tap] ?? 0);
      }
      rows[y * width + x] = sum;
    }
  }
  const result = createGreyImage(width, height);
  for (let y = 0; y < height; y += 1) {
    const start = down.first[y] ?? 0;
    for (let x = 0; x < width; x += 1) {
      let sum = 0;
      for (let tap = 0; tap < down.taps && start + tap < source.height; tap += 1) {
        sum += (down.weights[y * down.taps + tap] ?? 0) * (rows[(start + tap) * width + x] ?? 0);
      }
      result.data[y * width + x] = sum;
    }
  }
  return result;
}

/** The smallest box holding every pixel strictly above the threshold, or null when there is none. */
export function tightBox(image: GreyImage, threshold: number): PixelBox | null {
  let left = image.width;
  let top = image.height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) {
      if ((image.data[y * image.width + x] ?? 0) > threshold) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        bottom = y;
      }
    }
  }
  return right < 0 ? null : { left, top, right, bottom };
}

/** Moves a box by whole pixels, e.g. from a patch's coordinates into the canvas's. */
export function offsetBox(box: PixelBox, dx: number, dy: number): PixelBox {
  return { left: box.left + dx, top: box.top + dy, right: box.right + dx, bottom: box.bottom + dy };
}

/**
 * [xmin, ymin, xmax, ymax] in [0, 1]: pixel edges divided by the canvas size, so a box of the whole
 * canvas is [0, 0, 1, 1] and the right/bottom edge is one past the last inked pixel.
 */
export function normaliseBox(box: PixelBox, width: number, height: number): number[] {
  return [box.left / width, box.top / height, (box.right + 1) / width, (box.bottom + 1) / height];
}

/** Adds N(0, sigma²) to every value and clamps to [0, 1], in place. */
export function addGaussianNoise(values: Float32Array, sigma: number, rng: Rng): void {
  if (sigma <= 0) return;
  for (let i = 0; i < values.length; i += 1) {
    const noisy = (values[i] ?? 0) + sigma * rng.normal();
    values[i] = noisy < 0 ? 0 : noisy > 1 ? 1 : noisy;
  }
}

/** A value in [0, 1] as a byte, rounding to nearest; out-of-range values are clamped. */
export function toByte(value: number): number {
  if (!(value > 0)) return 0;
  if (value >= 1) return 255;
  // Truncating value*255 + 0.5 rounds half up, as Math.round does for positives, but faster.
  return (value * 255 + 0.5) | 0;
}

/** Quantises an HWC float image into bytes at the start of `out`. */
export function writeBytes(values: Float32Array, out: Uint8Array): void {
  for (let i = 0; i < values.length; i += 1) out[i] = toByte(values[i] ?? 0);
}

/** Quantises a grey image into `out`, repeating each value across `channels` (HWC order). */
export function writeGreyAsChannels(grey: Float32Array, channels: number, out: Uint8Array): void {
  for (let i = 0; i < grey.length; i += 1) {
    const byte = toByte(grey[i] ?? 0);
    for (let channel = 0; channel < channels; channel += 1) out[i * channels + channel] = byte;
  }
}

/** ITU-R BT.601 luma: how bright an RGB colour looks when rendered as one grey channel. */
export function luminance(red: number, green: number, blue: number): number {
  return 0.299 * red + 0.587 * green + 0.114 * blue;
}
