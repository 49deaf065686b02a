/**
 * The "digits" built-in dataset: real MNIST handwriting placed at a random size and position on a
 * noisy dark canvas, with two tasks: which digit (class) and where its ink is (box).
 */
import {
  addGaussianNoise,
  normaliseBox,
  offsetBox,
  resizeGrey,
  tightBox,
  writeGreyAsChannels,
} from './canvas.ts';
import type { PixelBox } from './canvas.ts';
import { buildDataset } from './dataset-builder.ts';
import type { RenderOverrides } from './dataset-builder.ts';
import {
  MNIST_SIDE,
  checkedMnistCounts,
  mnistCounts,
  mnistImage,
  sourceRefOf,
} from './mnist-source.ts';
import { resolveSampleCount } from './options.ts';
import { createRng, shuffle } from './rng.ts';
import type { Rng } from './rng.ts';
import type { BuiltInDatasetOptions, Dataset, DatasetTarget } from './types.ts';

export const DIGITS_NAME = 'digits';
export const DIGITS_DESCRIPTION =
  'Real handwritten MNIST digits at a random size and place on a noisy dark background: name the digit and box its ink.';
/** Every source digit in the mnist package, each used once. */
export const DIGITS_FULL_SIZE = 10_000;
export const DIGITS_TARGETS: readonly DatasetTarget[] = [
  { name: 'class', kind: 'class', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
  { name: 'box', kind: 'box' },
];

/**
 * The side of the digit's 28px MNIST frame as a fraction of the canvas's shorter side. MNIST ink
 * fills about the middle 20px of the frame, so the ink itself spans roughly 20%–60% of the side:
 * small enough that position matters, large enough to stay legible at 32x32.
 */
export const DIGIT_SCALE_RANGE = { min: 0.3, max: 0.8 } as const;
/** Background grey is drawn from [0, this): dark, as in MNIST, but not always exactly black. */
export const DIGIT_BACKGROUND_MAX = 0.15;
/** Pixel noise sigma in [0, 1] units: visible texture that never hides a stroke. */
export const DIGIT_NOISE_SIGMA = 0.06;
/** Scaled ink above this counts as part of the digit for its box; MNIST's anti-aliased fringe is below. */
export const INK_THRESHOLD = 0.2;

/** Separate random streams, so the order of digits and the look of each sample never interfere. */
const ORDER_STREAM = 0x6f72;
const SAMPLE_STREAM = 0x736d;

export interface DigitPlacement {
  /** Side in pixels of the scaled 28x28 frame. */
  readonly side: number;
  /** Top-left pixel of the frame; the frame lies wholly inside the canvas. */
  readonly left: number;
  readonly top: number;
  /** Background grey in [0, 1]; ink is blended from it towards white. */
  readonly background: number;
}

/** Picks a scale, position and background for one sample. */
export function drawDigitPlacement(rng: Rng, height: number, width: number): DigitPlacement {
  const shorter = Math.min(height, width);
  const fraction = rng.nextRange(DIGIT_SCALE_RANGE.min, DIGIT_SCALE_RANGE.max);
  const side = Math.max(2, Math.round(fraction * shorter));
  const left = rng.nextInt(width - side + 1);
  const top = rng.nextInt(height - side + 1);
  const background = rng.nextRange(0, DIGIT_BACKGROUND_MAX);
  return { side, left, top, background };
}

export interface RenderedDigit {
  /** height*width grey values in [0, 1], before noise. */
  readonly grey: Float32Array;
  /** Tight box of the scaled ink, in canvas pixels. */
  readonly box: PixelBox;
}

/** Draws one 28x28 source digit on a clean canvas at the given placement. Pure. */
export function renderDigit(
  source: Float32Array,
  placement: DigitPlacement,
  height: number,
  width: number,
): RenderedDigit {
  const { side, left, top, background } = placement;
  const ink = resizeGrey({ width: MNIST_SIDE, height: MNIST_SIDE, data: source }, side, side);
  // At the smallest canvases a faint digit may never reach INK_THRESHOLD once shrunk; half its peak
  // still picks out its strokes, so every digit gets a real box.
  let peak = 0;
  for (const value of ink.data) if (value > peak) peak = value;
  const patchBox = tightBox(ink, Math.min(INK_THRESHOLD, peak / 2)) ?? {
    left: 0,
    top: 0,
    right: side - 1,
    bottom: side - 1,
  };
  const grey = new Float32Array(height * width).fill(background);
  for (let y = 0; y < side; y += 1) {
    for (let x = 0; x < side; x += 1) {
      const value = ink.data[y * side + x] ?? 0;
      grey[(top + y) * width + left + x] = background + (1 - background) * value;
    }
  }
  return { grey, box: offsetBox(patchBox, left, top) };
}

/** The seeded order of all source digits, as flat ids (see sourceRefOf); sample k uses id order[k]. */
export function digitSourceOrder(seed: number): Int32Array {
  const total = mnistCounts().reduce((sum, count) => sum + count, 0);
  const order = Int32Array.from({ length: total }, (_, id) => id);
  return shuffle(order, createRng(seed, ORDER_STREAM));
}

export function loadDigits(
  options: BuiltInDatasetOptions,
  overrides: RenderOverrides = {},
): Dataset {
  const sampleCount = resolveSampleCount(DIGITS_NAME, DIGITS_FULL_SIZE, options);
  const [height, width, channels] = options.imageShape;
  const noiseSigma = overrides.noiseSigma ?? DIGIT_NOISE_SIGMA;
  const counts = checkedMnistCounts(DIGITS_FULL_SIZE);
  const order = digitSourceOrder(options.seed);
  return buildDataset(
    {
      name: DIGITS_NAME,
      description: DIGITS_DESCRIPTION,
      imageShape: options.imageShape,
      targets: DIGITS_TARGETS,
      sampleCount,
    },
    (sampleIndex, pixels) => {
      // Each sample has its own stream, so its picture depends only on the seed and its index,
      // never on the channel count or on how many samples came before it.
      const rng = createRng(options.seed, SAMPLE_STREAM, sampleIndex);
      const source = sourceRefOf(order[sampleIndex] ?? 0, counts);
      const placement = drawDigitPlacement(rng, height, width);
      const { grey, box } = renderDigit(mnistImage(source), placement, height, width);
      addGaussianNoise(grey, noiseSigma, rng);
      // Grey is repeated across channels (no tint): colour carries no information in this task,
      // and a 1-channel and a 3-channel dataset from the same seed then show the same pictures.
      writeGreyAsChannels(grey, channels, pixels);
      return { class: source.label, box: normaliseBox(box, width, height) };
    },
  );
}
