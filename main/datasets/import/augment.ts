/**
 * Random changes to training images that keep their meaning: a mirror image, a small shift or
 * zoom, a change of brightness and contrast. Pure functions on HWC bytes; a box follows every
 * geometric change so a box head still learns where the object is.
 */
import { readObjectRows, writeObjectRows } from '../../../core/detection/object-rows.ts';
import { DatasetError, showValue } from '../errors.ts';
import { createRng, type Rng } from '../rng.ts';
import type { ImageShape } from '../types.ts';
import type { AugmentOptions, UnitBox } from './types.ts';

export interface AugmentedSample {
  readonly pixels: Uint8Array;
  readonly box?: UnitBox;
  /** What moved the pixels, so boxes and maps over the image can follow (`moveBox`, `moveMap`). */
  readonly moves: ImageMoves;
}

/** The geometric changes one augmentation made: a mirror, then a zoom and shift. */
export interface ImageMoves {
  readonly flipped: boolean;
  readonly affine?: Affine;
}

/** A box of the image moved as `moves` moved the image, clipped to it. */
export function moveBox(moves: ImageMoves, box: UnitBox): UnitBox {
  const flipped = moves.flipped ? flipBox(box) : box;
  return moves.affine ? affineBox(flipped, moves.affine) : flipped;
}

/**
 * Every object of one image's rows (core/detection/object-rows.ts) moved as the image was, in
 * place; an object pushed wholly out of the image is dropped.
 */
export function moveObjects(rows: Float32Array, move: (box: UnitBox) => UnitBox): void {
  const moved = readObjectRows(rows)
    .map((o) => ({ ...o, box: move(o.box) }))
    .filter(({ box: [x0, y0, x1, y1] }) => x1 > x0 && y1 > y0);
  rows.set(writeObjectRows(moved).rows);
}

/** The image mirrored left to right. */
export function flipHorizontal(pixels: Uint8Array, shape: ImageShape): Uint8Array {
  const [height, width, channels] = shape;
  const out = new Uint8Array(pixels.length);
  const row = width * channels;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = y * row + x * channels;
      const to = y * row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = pixels[from + c] as number;
    }
  }
  return out;
}

export const flipBox = (box: UnitBox): UnitBox => [1 - box[2], box[1], 1 - box[0], box[3]];

/**
 * A zoom about the image centre followed by a shift, in unit coordinates:
 * `u' = (u - 0.5) * scale + 0.5 + shift`.
 */
export interface Affine {
  readonly scale: number;
  readonly shiftX: number;
  readonly shiftY: number;
}

/**
 * For each output pixel along one axis: the two source pixels either side of its sample point
 * (clamped into the image) and their weights, zero for a tap outside the image, so what falls
 * outside reads as black and the inner loop needs no bounds checks.
 */
function axisTaps(size: number, scale: number, shift: number) {
  const near = new Int32Array(size);
  const far = new Int32Array(size);
  const nearWeight = new Float32Array(size);
  const farWeight = new Float32Array(size);
  const inside = (i: number) => i >= 0 && i < size;
  const clamp = (i: number) => Math.min(size - 1, Math.max(0, i));
  for (let o = 0; o < size; o++) {
    const unit = ((o + 0.5) / size - 0.5 - shift) / scale + 0.5;
    const source = unit * size - 0.5;
    const left = Math.floor(source);
    const fraction = source - left;
    near[o] = clamp(left);
    far[o] = clamp(left + 1);
    nearWeight[o] = inside(left) ? 1 - fraction : 0;
    farWeight[o] = inside(left + 1) ? fraction : 0;
  }
  return { near, far, nearWeight, farWeight };
}

/** Bilinear resampling under `affine`; what falls outside the source is black. */
export function affineResample(pixels: Uint8Array, shape: ImageShape, affine: Affine): Uint8Array {
  const [height, width, channels] = shape;
  const xs = axisTaps(width, affine.scale, affine.shiftX);
  const ys = axisTaps(height, affine.scale, affine.shiftY);
  const out = new Uint8Array(pixels.length);
  const row = width * channels;
  for (let oy = 0; oy < height; oy++) {
    const wy0 = ys.nearWeight[oy] as number;
    const wy1 = ys.farWeight[oy] as number;
    if (wy0 === 0 && wy1 === 0) continue;
    const row0 = (ys.near[oy] as number) * row;
    const row1 = (ys.far[oy] as number) * row;
    for (let ox = 0; ox < width; ox++) {
      const wx0 = xs.nearWeight[ox] as number;
      const wx1 = xs.farWeight[ox] as number;
      if (wx0 === 0 && wx1 === 0) continue;
      const col0 = (xs.near[ox] as number) * channels;
      const col1 = (xs.far[ox] as number) * channels;
      const to = oy * row + ox * channels;
      for (let c = 0; c < channels; c++) {
        const top =
          (pixels[row0 + col0 + c] as number) * wx0 + (pixels[row0 + col1 + c] as number) * wx1;
        const bottom =
          (pixels[row1 + col0 + c] as number) * wx0 + (pixels[row1 + col1 + c] as number) * wx1;
        out[to + c] = Math.round(top * wy0 + bottom * wy1);
      }
    }
  }
  return out;
}

const clipUnit = (v: number) => Math.min(1, Math.max(0, v));

/** The box moved as `affineResample` moves the pixels, clipped to the image. */
export function affineBox(box: UnitBox, affine: Affine): UnitBox {
  const mapX = (u: number) => clipUnit((u - 0.5) * affine.scale + 0.5 + affine.shiftX);
  const mapY = (u: number) => clipUnit((u - 0.5) * affine.scale + 0.5 + affine.shiftY);
  return [mapX(box[0]), mapY(box[1]), mapX(box[2]), mapY(box[3])];
}

/**
 * Contrast scales each value's distance from the image's mean by `contrast`; brightness then adds
 * `brightness` of the full range. Results are rounded and clamped to 0..255.
 */
export function adjustBrightnessContrast(
  pixels: Uint8Array,
  brightness: number,
  contrast: number,
): Uint8Array {
  let sum = 0;
  for (let i = 0; i < pixels.length; i++) sum += pixels[i] as number;
  const mean = pixels.length > 0 ? sum / pixels.length : 0;
  const add = mean + brightness * 255;
  const out = new Uint8Array(pixels.length);
  // A Uint8Array wraps out-of-range values rather than clamping them.
  for (let i = 0; i < pixels.length; i++) {
    const v = Math.round(((pixels[i] as number) - mean) * contrast + add);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** Seeds the augmentation of one read of one sample: (seed, stream, sample index, read count). */
const AUGMENT_STREAM = 0x6175;

/**
 * The generator for the `draw`-th read of training sample `index` (its epoch, counting from 0):
 * the same whatever batch it falls in, whatever order samples are decoded in, and on resume.
 */
export const augmentRng = (seed: number, index: number, draw: number): Rng =>
  createRng(seed, AUGMENT_STREAM, index, draw);

/** Whether the options change anything at all. */
export const isAugmenting = (augment: AugmentOptions | undefined): augment is AugmentOptions =>
  augment !== undefined &&
  (augment.flip === true ||
    (augment.shift ?? 0) > 0 ||
    (augment.scale ?? 0) > 0 ||
    (augment.brightness ?? 0) > 0 ||
    (augment.contrast ?? 0) > 0);

const LIMITS: Readonly<Record<Exclude<keyof AugmentOptions, 'flip'>, number>> = {
  shift: 1,
  // A zoom of 1 - scale must stay above zero.
  scale: 0.99,
  brightness: 1,
  contrast: 1,
};

/** Throws a sentence for an option outside what `augmentSample` can do. */
export function checkAugmentOptions(options: AugmentOptions): void {
  for (const [name, limit] of Object.entries(LIMITS)) {
    const value = options[name as keyof typeof LIMITS];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0 && value <= limit)) {
      throw new DatasetError(
        'E_DATASET_OPTION',
        `Augmentation '${name}' must be a number from 0 to ${limit}; got ${showValue(value)}.`,
      );
    }
  }
}

/**
 * One random augmentation of a sample. Each enabled change draws from `rng` in a fixed order
 * (flip, scale, shift, brightness, contrast), so the same generator state gives the same result;
 * with every option off or zero the bytes come back unchanged.
 */
export function augmentSample(
  pixels: Uint8Array,
  shape: ImageShape,
  box: UnitBox | undefined,
  options: AugmentOptions,
  rng: Rng,
): AugmentedSample {
  let outPixels = pixels;
  let outBox = box;
  let flipped = false;
  let moved: Affine | undefined;
  if (options.flip && rng.nextFloat() < 0.5) {
    outPixels = flipHorizontal(outPixels, shape);
    outBox = outBox && flipBox(outBox);
    flipped = true;
  }
  const scaleRange = options.scale ?? 0;
  const shiftRange = options.shift ?? 0;
  if (scaleRange > 0 || shiftRange > 0) {
    const affine: Affine = {
      scale: scaleRange > 0 ? 1 + rng.nextRange(-scaleRange, scaleRange) : 1,
      shiftX: shiftRange > 0 ? rng.nextRange(-shiftRange, shiftRange) : 0,
      shiftY: shiftRange > 0 ? rng.nextRange(-shiftRange, shiftRange) : 0,
    };
    outPixels = affineResample(outPixels, shape, affine);
    outBox = outBox && affineBox(outBox, affine);
    moved = affine;
  }
  const brightnessRange = options.brightness ?? 0;
  const contrastRange = options.contrast ?? 0;
  if (brightnessRange > 0 || contrastRange > 0) {
    const brightness = brightnessRange > 0 ? rng.nextRange(-brightnessRange, brightnessRange) : 0;
    const contrast = contrastRange > 0 ? 1 + rng.nextRange(-contrastRange, contrastRange) : 1;
    outPixels = adjustBrightnessContrast(outPixels, brightness, contrast);
  }
  const moves = moved ? { flipped, affine: moved } : { flipped };
  return outBox ? { pixels: outPixels, box: outBox, moves } : { pixels: outPixels, moves };
}

/** How a map's values follow the image (a task kind's `mapMotion`). */
export interface MapMotion {
  readonly outside: number;
  readonly mirrorNegates?: readonly number[];
  readonly zoomDivides?: boolean;
}

/**
 * A map over the image ([height, width, channels] values) moved as `moves` moved the pixels:
 * nearest neighbour, so a mask keeps whole classes; what comes in from outside is the kind's
 * "nothing here"; a mirror negates the channels that point sideways (a normal's x), and a zoom
 * by s divides the values when they are distances (an object s times larger looks s times nearer).
 */
export function moveMap(
  values: Float32Array,
  size: readonly [height: number, width: number, channels: number],
  moves: ImageMoves,
  motion: MapMotion,
): Float32Array {
  if (!moves.flipped && !moves.affine) return values;
  const [height, width, channels] = size;
  const { scale = 1, shiftX = 0, shiftY = 0 } = moves.affine ?? {};
  // The source of each output pixel along one axis, or -1 outside: the inverse of the image's
  // zoom and shift, taken at the pixel's centre.
  const sources = (n: number, shift: number) =>
    Int32Array.from({ length: n }, (_, o) => {
      const unit = ((o + 0.5) / n - 0.5 - shift) / scale + 0.5;
      const at = Math.floor(unit * n);
      return at >= 0 && at < n ? at : -1;
    });
  const xs = sources(width, shiftX);
  const ys = sources(height, shiftY);
  const out = new Float32Array(values.length);
  const negate = new Set(moves.flipped ? (motion.mirrorNegates ?? []) : []);
  const divide = motion.zoomDivides ? scale : 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const to = (y * width + x) * channels;
      const sy = ys[y]!;
      const sx0 = xs[x]!;
      if (sy < 0 || sx0 < 0) {
        out.fill(motion.outside, to, to + channels);
        continue;
      }
      // The mirror came first, so the zoom's source is a pixel of the mirrored map.
      const sx = moves.flipped ? width - 1 - sx0 : sx0;
      const from = (sy * width + sx) * channels;
      for (let c = 0; c < channels; c++) {
        const v = values[from + c]!;
        out[to + c] = (negate.has(c) ? 0 - v : v) / divide;
      }
    }
  }
  return out;
}
