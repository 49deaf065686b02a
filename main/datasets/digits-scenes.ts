/**
 * The "digits-scenes" built-in dataset: one to six real MNIST digits at different sizes on one
 * noisy dark canvas, every digit boxed and named (detection), and how many there are (a class),
 * so one trunk can learn an image-level task beside the objects.
 */
import { writeObjectRows } from '../../core/detection/object-rows.ts';
import { boxIoU } from '../../core/tasks/box-iou.ts';
import {
  addGaussianNoise,
  normaliseBox,
  resizeGrey,
  tightBox,
  writeGreyAsChannels,
} from './canvas.ts';
import { buildDataset, planSplits, SPLIT_NAMES } from './dataset-builder.ts';
import {
  digitSourceOrder,
  INK_THRESHOLD,
  DIGIT_BACKGROUND_MAX,
  DIGIT_NOISE_SIGMA,
} from './digits.ts';
import { MNIST_SIDE, checkedMnistCounts, mnistImage, sourceRefOf } from './mnist-source.ts';
import { resolveSampleCount } from './options.ts';
import { createRng, type Rng } from './rng.ts';
import type { BuiltInDatasetOptions, Dataset, DatasetTarget, SplitName } from './types.ts';

export const DIGITS_SCENES_NAME = 'digits-scenes';
export const DIGITS_SCENES_DESCRIPTION =
  'One to six real handwritten MNIST digits at different sizes on a noisy dark canvas: find and name every digit (objects), and count them.';
export const DIGITS_SCENES_FULL_SIZE = 10_000;
export const MAX_DIGITS_PER_SCENE = 6;
const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const DIGITS_SCENES_TARGETS: readonly DatasetTarget[] = [
  { name: 'digits', kind: 'objects', classes: DIGIT_CLASSES },
  {
    name: 'count',
    kind: 'class',
    classes: Array.from({ length: MAX_DIGITS_PER_SCENE }, (_, k) => String(k + 1)),
  },
];

/** The side of a digit's 28px frame as a fraction of the canvas's shorter side. */
export const SCENE_DIGIT_SCALE = { min: 0.18, max: 0.45 } as const;
/** Two digits' frames may overlap this much (IoU), so digits touch but stay readable. */
const MAX_FRAME_OVERLAP = 0.15;
const PLACEMENT_TRIES = 40;
const SCENE_STREAM = 0x7363;

interface Frame {
  readonly left: number;
  readonly top: number;
  readonly side: number;
}

/** Frames for `count` digits that overlap little; fewer when the canvas has no room left. */
function placeFrames(rng: Rng, count: number, height: number, width: number): Frame[] {
  const shorter = Math.min(height, width);
  const frames: Frame[] = [];
  const unit = (f: Frame) => [
    f.left / width,
    f.top / height,
    (f.left + f.side) / width,
    (f.top + f.side) / height,
  ];
  for (let k = 0; k < count; k++) {
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      const side = Math.max(
        4,
        Math.round(rng.nextRange(SCENE_DIGIT_SCALE.min, SCENE_DIGIT_SCALE.max) * shorter),
      );
      const frame = {
        side,
        left: rng.nextInt(width - side + 1),
        top: rng.nextInt(height - side + 1),
      };
      if (frames.every((f) => boxIoU(unit(f), unit(frame)) <= MAX_FRAME_OVERLAP)) {
        frames.push(frame);
        break;
      }
    }
  }
  return frames;
}

export function loadDigitsScenes(options: BuiltInDatasetOptions): Dataset {
  const sampleCount = resolveSampleCount(DIGITS_SCENES_NAME, DIGITS_SCENES_FULL_SIZE, options);
  const [height, width, channels] = options.imageShape;
  const counts = checkedMnistCounts(DIGITS_SCENES_FULL_SIZE);
  // Digits are partitioned 80/10/10 as the digits dataset splits them, and a scene takes digits
  // of its own split's partition only: no test digit is ever seen in training.
  const order = digitSourceOrder(options.seed);
  const full = planSplits(order.length);
  const partitions: Partial<Record<SplitName, Int32Array>> = {};
  let start = 0;
  for (const name of SPLIT_NAMES) {
    partitions[name] = order.subarray(start, start + full[name]);
    start += full[name];
  }
  const plan = planSplits(sampleCount);
  const sources = new Map<number, Float32Array>();
  const source = (id: number) => {
    let image = sources.get(id);
    if (!image) sources.set(id, (image = mnistImage(sourceRefOf(id, counts))));
    return image;
  };
  return buildDataset(
    {
      name: DIGITS_SCENES_NAME,
      description: DIGITS_SCENES_DESCRIPTION,
      imageShape: options.imageShape,
      targets: DIGITS_SCENES_TARGETS,
      sampleCount,
    },
    (sampleIndex, pixels) => {
      let row = sampleIndex;
      let splitIndex = 0;
      for (const [k, name] of SPLIT_NAMES.entries()) {
        splitIndex = k;
        if (row < plan[name]) break;
        row -= plan[name];
      }
      const partition = partitions[SPLIT_NAMES[splitIndex] as SplitName] as Int32Array;
      // Row r of a split is the same scene whatever the limit: its own stream decides it.
      const rng = createRng(options.seed, SCENE_STREAM, splitIndex, row);
      const frames = placeFrames(rng, 1 + rng.nextInt(MAX_DIGITS_PER_SCENE), height, width);
      const background = rng.nextRange(0, DIGIT_BACKGROUND_MAX);
      const grey = new Float32Array(height * width).fill(background);
      const objects = frames.map((frame) => {
        const id = partition[rng.nextInt(partition.length)] ?? 0;
        const ink = resizeGrey(
          { width: MNIST_SIDE, height: MNIST_SIDE, data: source(id) },
          frame.side,
          frame.side,
        );
        let peak = 0;
        for (const v of ink.data) if (v > peak) peak = v;
        const box = tightBox(ink, Math.min(INK_THRESHOLD, peak / 2)) ?? {
          left: 0,
          top: 0,
          right: frame.side - 1,
          bottom: frame.side - 1,
        };
        for (let y = 0; y < frame.side; y++) {
          for (let x = 0; x < frame.side; x++) {
            const at = (frame.top + y) * width + frame.left + x;
            const value = background + (1 - background) * (ink.data[y * frame.side + x] ?? 0);
            if (value > grey[at]!) grey[at] = value;
          }
        }
        const [x0, y0, x1, y1] = normaliseBox(
          {
            left: box.left + frame.left,
            top: box.top + frame.top,
            right: box.right + frame.left,
            bottom: box.bottom + frame.top,
          },
          width,
          height,
        ) as [number, number, number, number];
        return {
          classIndex: sourceRefOf(id, counts).label,
          box: [x0, y0, x1, y1] as const,
          ignore: false,
        };
      });
      addGaussianNoise(grey, DIGIT_NOISE_SIGMA, rng);
      writeGreyAsChannels(grey, channels, pixels);
      return { digits: Array.from(writeObjectRows(objects).rows), count: objects.length - 1 };
    },
  );
}
