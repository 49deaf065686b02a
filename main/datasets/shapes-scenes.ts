/**
 * The "shapes-scenes" built-in dataset: one to five filled shapes of the five kinds, each in its
 * own colour and size, on one noisy background and overlapping a little; every shape boxed and
 * named (objects), and how many there are (a class), so a detection head can share a trunk with
 * an image-level head.
 */
import { writeObjectRows, type ObjectRow } from '../../core/detection/object-rows.ts';
import { addGaussianNoise, luminance, normaliseBox, tightBox, writeBytes } from './canvas.ts';
import type { PixelBox } from './canvas.ts';
import { buildDataset } from './dataset-builder.ts';
import type { RenderOverrides } from './dataset-builder.ts';
import { resolveSampleCount } from './options.ts';
import { createRng, type Rng } from './rng.ts';
import { SHAPE_KINDS, shapeCoverage, type ShapeFrame } from './shape-geometry.ts';
import { contrastingColour, randomColour, SHAPE_NOISE_SIGMA, type Rgb } from './shapes.ts';
import type { BuiltInDatasetOptions, Dataset, DatasetTarget } from './types.ts';

export const SHAPES_SCENES_NAME = 'shapes-scenes';
export const SHAPES_SCENES_DESCRIPTION =
  'One to five filled shapes of five kinds in their own colours and sizes on a noisy background, overlapping a little: find and name every shape (objects), and count them.';
export const SHAPES_SCENES_FULL_SIZE = 10_000;
export const MAX_SHAPES_PER_SCENE = 5;
export const SHAPES_SCENES_TARGETS: readonly DatasetTarget[] = [
  { name: 'shapes', kind: 'objects', classes: SHAPE_KINDS },
  {
    name: 'count',
    kind: 'class',
    classes: Array.from({ length: MAX_SHAPES_PER_SCENE }, (_, k) => String(k + 1)),
  },
];

/** A shape's side as a fraction of the canvas's shorter side: from a few cells to half the image. */
export const SCENE_SHAPE_SIZE = { min: 0.15, max: 0.45 } as const;
/**
 * A shape's side in pixels is at least this, so that even a ring on the smallest canvas covers
 * some of the 3×3 subsamples of its pixels and is drawn.
 */
const MIN_SHAPE_PIXELS = 3;
/** Two shapes' squares share at most this fraction of the smaller one: they touch, none hides. */
const MAX_SHARED = 0.2;
const PLACEMENT_TRIES = 40;
const SCENE_STREAM = 0x7373;

export interface SceneShape extends ShapeFrame {
  readonly fill: Rgb;
}

export interface ShapeScene {
  readonly background: Rgb;
  /** In drawing order: a later shape is drawn over an earlier one. */
  readonly shapes: readonly SceneShape[];
}

/** How much of the smaller of two squares the other covers, 0..1. */
function sharedFraction(a: ShapeFrame, b: ShapeFrame): number {
  const across = Math.min(a.left + a.size, b.left + b.size) - Math.max(a.left, b.left);
  const down = Math.min(a.top + a.size, b.top + b.size) - Math.max(a.top, b.top);
  if (across <= 0 || down <= 0) return 0;
  return (across * down) / Math.min(a.size * a.size, b.size * b.size);
}

/** The background and up to five shapes that overlap little; fewer when the canvas is full. */
export function drawShapeScene(rng: Rng, height: number, width: number): ShapeScene {
  const background = randomColour(rng);
  const wanted = 1 + rng.nextInt(MAX_SHAPES_PER_SCENE);
  const shorter = Math.min(height, width);
  const shapes: SceneShape[] = [];
  for (let k = 0; k < wanted; k++) {
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      const size = Math.max(
        MIN_SHAPE_PIXELS,
        rng.nextRange(SCENE_SHAPE_SIZE.min, SCENE_SHAPE_SIZE.max) * shorter,
      );
      const frame: ShapeFrame = {
        kind: SHAPE_KINDS[rng.nextInt(SHAPE_KINDS.length)] ?? 'circle',
        left: rng.nextRange(0, width - size),
        top: rng.nextRange(0, height - size),
        size,
      };
      if (shapes.every((s) => sharedFraction(s, frame) <= MAX_SHARED)) {
        shapes.push({ ...frame, fill: contrastingColour(rng, background) });
        break;
      }
    }
  }
  return { background, shapes };
}

export interface RenderedScene {
  /** height*width*channels values in [0, 1], HWC, before noise. */
  readonly values: Float32Array;
  /**
   * Per shape, the tight box of the pixels it shows in (it covers them and no later shape covers
   * them whole); null for a shape hidden altogether.
   */
  readonly boxes: readonly (PixelBox | null)[];
}

/**
 * Draws the shapes in order over the background, each blended by how much of a pixel it covers;
 * a 1-channel canvas shows the colours' luminance. Pure.
 */
export function renderShapeScene(
  scene: ShapeScene,
  height: number,
  width: number,
  channels: number,
): RenderedScene {
  const pixels = height * width;
  const rgb = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) rgb.set(scene.background, p * 3);
  // What each shape still shows at a pixel: its coverage times what later shapes leave uncovered.
  const shown: Float32Array[] = [];
  for (const shape of scene.shapes) {
    const coverage = shapeCoverage(shape, height, width).data;
    for (let p = 0; p < pixels; p++) {
      const c = coverage[p] ?? 0;
      if (c === 0) continue;
      // Blended so that a pixel covered whole is the fill exactly, whatever was under it.
      for (let k = 0; k < 3; k++) {
        const at = p * 3 + k;
        rgb[at] = (rgb[at] ?? 0) * (1 - c) + (shape.fill[k] ?? 0) * c;
      }
      for (const earlier of shown) earlier[p] = (earlier[p] ?? 0) * (1 - c);
    }
    shown.push(Float32Array.from(coverage));
  }
  const values =
    channels === 3
      ? rgb
      : Float32Array.from({ length: pixels }, (_, p) =>
          luminance(rgb[p * 3] ?? 0, rgb[p * 3 + 1] ?? 0, rgb[p * 3 + 2] ?? 0),
        );
  return { values, boxes: shown.map((data) => tightBox({ width, height, data }, 0)) };
}

/** A scene's shapes as objects (boxes as fractions of the image), hidden ones left out. */
export function sceneObjects(
  scene: ShapeScene,
  boxes: readonly (PixelBox | null)[],
  height: number,
  width: number,
): ObjectRow[] {
  return scene.shapes.flatMap((shape, k) => {
    const box = boxes[k];
    if (!box) return [];
    const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = normaliseBox(box, width, height);
    return [{ classIndex: SHAPE_KINDS.indexOf(shape.kind), box: [x0, y0, x1, y1], ignore: false }];
  });
}

export function loadShapesScenes(
  options: BuiltInDatasetOptions,
  overrides: RenderOverrides = {},
): Dataset {
  const sampleCount = resolveSampleCount(SHAPES_SCENES_NAME, SHAPES_SCENES_FULL_SIZE, options);
  const [height, width, channels] = options.imageShape;
  const noiseSigma = overrides.noiseSigma ?? SHAPE_NOISE_SIGMA;
  return buildDataset(
    {
      name: SHAPES_SCENES_NAME,
      description: SHAPES_SCENES_DESCRIPTION,
      imageShape: options.imageShape,
      targets: SHAPES_SCENES_TARGETS,
      sampleCount,
    },
    (sampleIndex, pixels) => {
      // Sample i is the same scene whatever the limit or the channels: its own stream decides it.
      const rng = createRng(options.seed, SCENE_STREAM, sampleIndex);
      const scene = drawShapeScene(rng, height, width);
      const { values, boxes } = renderShapeScene(scene, height, width, channels);
      // The last shape drawn is never covered, so every scene has at least one object.
      const objects = sceneObjects(scene, boxes, height, width);
      addGaussianNoise(values, noiseSigma, rng);
      writeBytes(values, pixels);
      return { shapes: Array.from(writeObjectRows(objects).rows), count: objects.length - 1 };
    },
  );
}
