import { boxIoU } from '../tasks/box-iou.ts';

/**
 * The one decoder of a detection head's maps (CenterNet, "Objects as Points"): metrics, the
 * gallery and `evaluate` read detections from here, and the exported model.py and ONNX notes
 * write the same steps in Python. A head's output at each of H×W cells is C class logits, then
 * the box size (width, height) and the centre's sub-cell offset (x, y), both in cells.
 *
 * Steps: a cell is a peak of its class when its logit is the largest of its 3×3 neighbourhood
 * (a max-pool that keeps equal values; logits, not scores, so float rounding of the sigmoid
 * cannot make two cells tie); peaks sorted by score, highest first, ties by channels-last index
 * ((y·W + x)·C + c); the first `topK` kept; those under `threshold` dropped; then, when asked,
 * class-wise greedy NMS. Boxes are [xmin, ymin, xmax, ymax] as fractions of the image, clipped
 * to it.
 */
export interface DecodeOptions {
  readonly topK: number;
  readonly threshold: number;
  readonly nms: boolean;
  /** Overlap above which NMS drops the lower-scored box of a class. */
  readonly nmsIoU: number;
}

export interface Detection {
  readonly box: readonly [number, number, number, number];
  readonly score: number;
  readonly classIndex: number;
}

/** The map of one sample: [height, width, classes + 4] row-major from `at`. */
export interface DetectionMaps {
  readonly values: ArrayLike<number>;
  readonly at: number;
  readonly height: number;
  readonly width: number;
  readonly classes: number;
}

/** Channels a detection head outputs per cell for `classes` classes: heatmaps, size, offset. */
export const detectionChannels = (classes: number): number => classes + 4;

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function decodeDetections(maps: DetectionMaps, options: DecodeOptions): Detection[] {
  const { values, at, height, width, classes } = maps;
  const stride = detectionChannels(classes);
  // Peaks as channels-last indices ((y·W + x)·C + c), in that order; scores taken for peaks only.
  const peaks: number[] = [];
  const scores: number[] = [];
  for (let y = 0; y < height; y++) {
    const top = Math.max(0, y - 1);
    const bottom = Math.min(height - 1, y + 1);
    for (let x = 0; x < width; x++) {
      const left = Math.max(0, x - 1);
      const right = Math.min(width - 1, x + 1);
      const cell = at + (y * width + x) * stride;
      for (let c = 0; c < classes; c++) {
        const v = values[cell + c]!;
        if (isPeak(values, at, v, c, top, bottom, left, right, width, stride)) {
          peaks.push((y * width + x) * classes + c);
          scores.push(sigmoid(v));
        }
      }
    }
  }
  // Places in `peaks`, highest score first; equal scores keep index order (peaks is in it).
  const order = Int32Array.from(peaks.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: Detection[] = [];
  for (let i = 0; i < Math.min(order.length, options.topK); i++) {
    const score = scores[order[i]!]!;
    if (score < options.threshold) continue;
    const index = peaks[order[i]!]!;
    const c = index % classes;
    const x = ((index - c) / classes) % width;
    const y = ((index - c) / classes - x) / width;
    const cell = at + (y * width + x) * stride + classes;
    const cx = (x + values[cell + 2]!) / width;
    const cy = (y + values[cell + 3]!) / height;
    const halfW = values[cell]! / width / 2;
    const halfH = values[cell + 1]! / height / 2;
    kept.push({
      box: [clip(cx - halfW), clip(cy - halfH), clip(cx + halfW), clip(cy + halfH)],
      score,
      classIndex: c,
    });
  }
  return options.nms ? classwiseNms(kept, options.nmsIoU) : kept;
}

const clip = (v: number) => Math.min(1, Math.max(0, v));

/** Whether `v` (class `c`) is the largest of its class in the cells top..bottom × left..right. */
function isPeak(
  values: ArrayLike<number>,
  at: number,
  v: number,
  c: number,
  top: number,
  bottom: number,
  left: number,
  right: number,
  width: number,
  stride: number,
): boolean {
  for (let ny = top; ny <= bottom; ny++) {
    for (let nx = left; nx <= right; nx++) {
      if (values[at + (ny * width + nx) * stride + c]! > v) return false;
    }
  }
  return true;
}

/** Greedy NMS per class over detections sorted by score: a box overlapping a kept one goes. */
export function classwiseNms(sorted: readonly Detection[], iou: number): Detection[] {
  const kept: Detection[] = [];
  for (const d of sorted) {
    const clash = kept.some((k) => k.classIndex === d.classIndex && boxIoU(k.box, d.box) > iou);
    if (!clash) kept.push(d);
  }
  return kept;
}
