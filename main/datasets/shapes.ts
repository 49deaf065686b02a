/**
 * The "shapes" built-in dataset: one filled shape per image in a random colour on a noisy background
 * of a contrasting colour, with four tasks: which shape (class), where it is (box), its fill
 * colour (numeric red/green/blue) and which pixels it covers (a mask: background or its kind).
 */
import { targetAtImageSize } from '../../core/tasks/registry.ts';
import { addGaussianNoise, luminance, normaliseBox, tightBox, writeBytes } from './canvas.ts';
import type { PixelBox } from './canvas.ts';
import { buildDataset } from './dataset-builder.ts';
import type { RenderOverrides } from './dataset-builder.ts';
import { resolveSampleCount } from './options.ts';
import { createRng, shuffle } from './rng.ts';
import type { Rng } from './rng.ts';
import { SHAPE_KINDS, shapeCoverage } from './shape-geometry.ts';
import type { ShapeFrame, ShapeKind } from './shape-geometry.ts';
import type { BuiltInDatasetOptions, Dataset, DatasetTarget } from './types.ts';

export const SHAPES_NAME = 'shapes';
export const SHAPES_DESCRIPTION =
  'Five kinds of filled shape in random colours, sizes and places on a noisy background: name the shape, box it, tell its colour and mark its pixels.';
export const SHAPES_FULL_SIZE = 10_000;
/** The mask's classes: a pixel is background or the kind of the shape that covers it. */
export const SHAPE_MASK_CLASSES = ['background', ...SHAPE_KINDS] as const;
/** The mask is drawn at the image's size; 64×64 unless the graph's input says otherwise. */
export const SHAPES_TARGETS: readonly DatasetTarget[] = [
  { name: 'class', kind: 'class', classes: SHAPE_KINDS },
  { name: 'box', kind: 'box' },
  { name: 'colour', kind: 'numeric', columns: ['red', 'green', 'blue'] },
  { name: 'mask', kind: 'mask', classes: SHAPE_MASK_CLASSES, height: 64, width: 64 },
];

/** The shape's side as a fraction of the canvas's shorter side. */
export const SHAPE_SIZE_RANGE = { min: 0.25, max: 0.7 } as const;
/** Pixel noise sigma in [0, 1] units, drawn independently per channel. */
export const SHAPE_NOISE_SIGMA = 0.06;
/**
 * Fill and background differ at least this much in luminance, so the shape stands out in a
 * 1-channel rendering too and even a 1/9-covered edge pixel differs from the background.
 */
export const MIN_LUMINANCE_CONTRAST = 0.3;
/** Rejection sampling nearly always succeeds within a few tries; this only bounds the loop. */
const MAX_COLOUR_TRIES = 64;

const ORDER_STREAM = 0x6f72;
const SAMPLE_STREAM = 0x736d;

export type Rgb = readonly [red: number, green: number, blue: number];

export interface ShapePlacement extends ShapeFrame {
  readonly fill: Rgb;
  readonly background: Rgb;
}

export function randomColour(rng: Rng): Rgb {
  return [rng.nextFloat(), rng.nextFloat(), rng.nextFloat()];
}

export function lumaOf(colour: Rgb): number {
  return luminance(colour[0], colour[1], colour[2]);
}

/** A random colour at least MIN_LUMINANCE_CONTRAST brighter or darker than `other`. */
export function contrastingColour(rng: Rng, other: Rgb): Rgb {
  for (let attempt = 0; attempt < MAX_COLOUR_TRIES; attempt += 1) {
    const colour = randomColour(rng);
    if (Math.abs(lumaOf(colour) - lumaOf(other)) >= MIN_LUMINANCE_CONTRAST) return colour;
  }
  return lumaOf(other) > 0.5 ? [0, 0, 0] : [1, 1, 1];
}

/** Picks the size, position and colours of one shape of the given kind. */
export function drawShapePlacement(
  rng: Rng,
  kind: ShapeKind,
  height: number,
  width: number,
): ShapePlacement {
  const size = rng.nextRange(SHAPE_SIZE_RANGE.min, SHAPE_SIZE_RANGE.max) * Math.min(height, width);
  const left = rng.nextRange(0, width - size);
  const top = rng.nextRange(0, height - size);
  const fill = randomColour(rng);
  const background = contrastingColour(rng, fill);
  return { kind, left, top, size, fill, background };
}

export interface RenderedShape {
  /** height*width*channels values in [0, 1], HWC, before noise. */
  readonly values: Float32Array;
  /** Tight box of every pixel the shape touches, in canvas pixels. */
  readonly box: PixelBox;
  /**
   * A class per pixel (SHAPE_MASK_CLASSES): the shape's kind where it covers at least half the
   * pixel, so where the pixel's colour is nearer the fill than the background; else 0.
   */
  readonly mask: Float32Array;
}

/** Draws one shape on a clean canvas; a 1-channel canvas shows the colours' luminance. Pure. */
export function renderShape(
  placement: ShapePlacement,
  height: number,
  width: number,
  channels: number,
): RenderedShape {
  const coverage = shapeCoverage(placement, height, width).data;
  const pixels = height * width;
  const values = new Float32Array(pixels * channels);
  const kindClass = SHAPE_MASK_CLASSES.indexOf(placement.kind);
  const mask = Float32Array.from(coverage, (covered) => (covered >= 0.5 ? kindClass : 0));
  if (channels === 1) {
    const base = lumaOf(placement.background);
    const lift = lumaOf(placement.fill) - base;
    for (let pixel = 0; pixel < pixels; pixel += 1) {
      values[pixel] = base + lift * (coverage[pixel] ?? 0);
    }
  } else {
    const [baseRed, baseGreen, baseBlue] = placement.background;
    const [fillRed, fillGreen, fillBlue] = placement.fill;
    for (let pixel = 0; pixel < pixels; pixel += 1) {
      const covered = coverage[pixel] ?? 0;
      values[pixel * 3] = baseRed + (fillRed - baseRed) * covered;
      values[pixel * 3 + 1] = baseGreen + (fillGreen - baseGreen) * covered;
      values[pixel * 3 + 2] = baseBlue + (fillBlue - baseBlue) * covered;
    }
  }
  // Every shape covers a subsample somewhere, since its side is at least 2 pixels.
  const box = tightBox({ width, height, data: coverage }, 0) ?? {
    left: 0,
    top: 0,
    right: width - 1,
    bottom: height - 1,
  };
  return { values, box, mask };
}

/**
 * The class of each of the 10,000 samples, seeded: exactly 2,000 of each kind over the full set,
 * so any prefix taken by a limit is balanced up to sampling error.
 */
export function shapeClassOrder(seed: number): Int32Array {
  const classes = Int32Array.from({ length: SHAPES_FULL_SIZE }, (_, id) => id % SHAPE_KINDS.length);
  return shuffle(classes, createRng(seed, ORDER_STREAM));
}

export function loadShapes(
  options: BuiltInDatasetOptions,
  overrides: RenderOverrides = {},
): Dataset {
  // The mask: one float32 class per pixel.
  const sampleCount = resolveSampleCount(SHAPES_NAME, SHAPES_FULL_SIZE, options, 4);
  const [height, width, channels] = options.imageShape;
  const noiseSigma = overrides.noiseSigma ?? SHAPE_NOISE_SIGMA;
  const classes = shapeClassOrder(options.seed);
  return buildDataset(
    {
      name: SHAPES_NAME,
      description: SHAPES_DESCRIPTION,
      imageShape: options.imageShape,
      targets: SHAPES_TARGETS.map((t) => targetAtImageSize(t, height, width)),
      sampleCount,
    },
    (sampleIndex, pixels) => {
      // Geometry and colours are drawn before the noise, from a stream of this sample's own, so a
      // 1-channel and a 3-channel dataset from the same seed hold the same shapes.
      const rng = createRng(options.seed, SAMPLE_STREAM, sampleIndex);
      const classIndex = classes[sampleIndex] ?? 0;
      const kind = SHAPE_KINDS[classIndex] ?? 'circle';
      const placement = drawShapePlacement(rng, kind, height, width);
      const { values, box, mask } = renderShape(placement, height, width, channels);
      addGaussianNoise(values, noiseSigma, rng);
      writeBytes(values, pixels);
      return {
        class: classIndex,
        box: normaliseBox(box, width, height),
        colour: placement.fill,
        mask,
      };
    },
  );
}
