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
  const logit = (y: number, x: number, c: number) => values[at + (y * width + x) * stride + c]!;
  const peaks: { index: number; score: number; y: number; x: number; c: number }[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < classes; c++) {
        const v = logit(y, x, c);
        if (isPeak(logit, v, y, x, c, height, width)) {
          peaks.push({ index: (y * width + x) * classes + c, score: sigmoid(v), y, x, c });
        }
      }
    }
  }
  peaks.sort((a, b) => b.score - a.score || a.index - b.index);
  const kept: Detection[] = [];
  for (const p of peaks.slice(0, options.topK)) {
    if (p.score < options.threshold) continue;
    const cell = at + (p.y * width + p.x) * stride + classes;
    const [w, h, ox, oy] = [0, 1, 2, 3].map((k) => values[cell + k]!) as [
      number,
      number,
      number,
      number,
    ];
    const cx = (p.x + ox) / width;
    const cy = (p.y + oy) / height;
    const halfW = w / width / 2;
    const halfH = h / height / 2;
    kept.push({
      box: [clip(cx - halfW), clip(cy - halfH), clip(cx + halfW), clip(cy + halfH)],
      score: p.score,
      classIndex: p.c,
    });
  }
  return options.nms ? classwiseNms(kept, options.nmsIoU) : kept;
}

const clip = (v: number) => Math.min(1, Math.max(0, v));

function isPeak(
  logit: (y: number, x: number, c: number) => number,
  v: number,
  y: number,
  x: number,
  c: number,
  height: number,
  width: number,
): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const ny = y + dy;
      const nx = x + dx;
      if (ny < 0 || nx < 0 || ny >= height || nx >= width) continue;
      if (logit(ny, nx, c) > v) return false;
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
