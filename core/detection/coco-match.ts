import { AREA_RANGES, IOU_THRESHOLDS } from './coco-params.ts';

/** A box as COCO writes it: x, y, width, height in pixels. */
export type CocoBox = readonly [number, number, number, number];

/** One ground-truth object of one image and category, as pycocotools' evaluateImg sees it. */
export interface GroundObject {
  /** The annotation's id: pycocotools records a match as this id, so an id of 0 reads as none. */
  readonly id: number;
  readonly box: CocoBox;
  /** The annotation's `area` (what the area ranges test), not necessarily width × height. */
  readonly area: number;
  readonly crowd: boolean;
}

/**
 * Every detection, by its place in the results file: its box at 4 × place (x, y, width, height,
 * laid flat), its score, and `area`, width × height as loadRes sets it.
 */
export interface DetectionTable {
  readonly box: Float64Array;
  readonly score: Float64Array;
  readonly area: Float64Array;
}

/** Truth and detections (places in the DetectionTable, in file order) of one image and category. */
export interface ImageCell {
  readonly objects: readonly GroundObject[];
  readonly detections: readonly number[];
}

/** What each detection counts as at one IoU threshold. */
export const OUTCOME = { falsePositive: 0, truePositive: 1, ignored: 2 } as const;

/**
 * One category's detections over all images, matched in every area range: pycocotools' evalImgs
 * entries of the category laid end to end (images in id order, each image's detections in score
 * order and cut at the largest maxDets).
 */
export interface CategoryMatches {
  readonly total: number;
  readonly score: Float64Array;
  /** Each detection's place in its own image's score order (maxDets cuts on it). */
  readonly rank: Int32Array;
  /** OUTCOME of each detection, [area range][IoU threshold][detection]. */
  readonly outcome: Uint8Array;
  /** Per area range: ground-truth objects in it that are not crowds (pycocotools' npig). */
  readonly relevant: readonly number[];
}

// Read once here: in the loops below an imported binding costs a lookup per use.
const THRESHOLDS = Float64Array.from(IOU_THRESHOLDS, (t) => Math.min(t, 1 - 1e-10));
const T = THRESHOLDS.length;
const { falsePositive: FALSE_POSITIVE, truePositive: TRUE_POSITIVE, ignored: IGNORED } = OUTCOME;

/**
 * Detections highest score first, ties kept in file order (numpy's stable mergesort of -score),
 * cut at `maxDet`.
 */
export function byScore(places: readonly number[], score: Float64Array, maxDet: number): number[] {
  return [...places].sort((a, b) => score[b]! - score[a]! || a - b).slice(0, maxDet);
}

/**
 * pycocotools' bbIou (maskApi.c), operation for operation so the doubles agree: intersection over
 * union, or over the detection's own area when the ground truth is a crowd; [detection × object]
 * into `ious`, for the detections at `places` of the flat `boxes`. Not core/tasks/box-iou.ts:
 * that one takes corner boxes and floors the union.
 */
export function cocoIoU(
  boxes: Float64Array,
  places: readonly number[],
  objects: readonly GroundObject[],
  ious = new Float64Array(places.length * objects.length),
): Float64Array {
  const G = objects.length;
  for (let g = 0; g < G; g++) {
    const object = objects[g]!;
    const gb = object.box;
    const gx = gb[0];
    const gy = gb[1];
    const gw = gb[2];
    const gh = gb[3];
    const ga = gw * gh;
    for (let d = 0; d < places.length; d++) {
      const at = 4 * places[d]!;
      const dx = boxes[at]!;
      const dy = boxes[at + 1]!;
      const dw = boxes[at + 2]!;
      const dh = boxes[at + 3]!;
      const da = dw * dh;
      ious[d * G + g] = 0;
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (h <= 0) continue;
      const i = w * h;
      ious[d * G + g] = i / (object.crowd ? da : da + ga - i);
    }
  }
  return ious;
}

/**
 * pycocotools' computeIoU and evaluateImg for every image of one category (`cells`, in image-id
 * order) and every area range: greedy matching in score order at each IoU threshold.
 */
export function matchCategory(
  cells: readonly ImageCell[],
  table: DetectionTable,
  maxDet: number,
): CategoryMatches {
  const sorted = cells.map((cell) => byScore(cell.detections, table.score, maxDet));
  const total = sorted.reduce((n, detections) => n + detections.length, 0);
  const A = AREA_RANGES.length;
  const score = new Float64Array(total);
  const rank = new Int32Array(total);
  const outcome = new Uint8Array(A * T * total);
  const relevant = AREA_RANGES.map(() => 0);
  const most = (f: (cell: ImageCell, i: number) => number) =>
    cells.reduce((n, cell, i) => Math.max(n, f(cell, i)), 0);
  const maxG = most((cell) => cell.objects.length);
  const ious = new Float64Array(most((cell, i) => cell.objects.length * sorted[i]!.length));
  const order = new Int32Array(maxG);
  const ignoredObject = new Uint8Array(maxG);
  const taken = new Uint8Array(maxG);
  let start = 0;
  cells.forEach(({ objects }, i) => {
    const detections = sorted[i]!;
    const G = objects.length;
    const D = detections.length;
    for (let d = 0; d < D; d++) {
      score[start + d] = table.score[detections[d]!]!;
      rank[start + d] = d;
    }
    cocoIoU(table.box, detections, objects, ious);
    for (let a = 0; a < A; a++) {
      const { min, max } = AREA_RANGES[a]!;
      // Objects that count first, then ignored ones, each group in its order (a stable sort).
      let counted = 0;
      for (let g = 0; g < G; g++) {
        const o = objects[g]!;
        ignoredObject[g] = o.crowd || o.area < min || o.area > max ? 1 : 0;
        if (!ignoredObject[g]) order[counted++] = g;
      }
      for (let g = 0, at = counted; g < G; g++) if (ignoredObject[g]) order[at++] = g;
      relevant[a]! += counted;
      for (let t = 0; t < T; t++) {
        taken.fill(0, 0, G);
        const row = (a * T + t) * total + start;
        for (let d = 0; d < D; d++) {
          let best = THRESHOLDS[t]!;
          let m = -1;
          for (let j = 0; j < G; j++) {
            const g = order[j]!;
            // A crowd may take several detections; anything else only one.
            if (taken[g] && !objects[g]!.crowd) continue;
            // Matched to an object that counts: an ignored one (sorted after) cannot replace it.
            if (m > -1 && !ignoredObject[m] && ignoredObject[g]) break;
            const iou = ious[d * G + g]!;
            if (iou < best) continue;
            best = iou;
            m = g;
          }
          if (m > -1) taken[m] = 1;
          // pycocotools stores the object's id as the match, so an object with id 0 reads as
          // none; a detection matching nothing counts against only when its own area is in range.
          const area = table.area[detections[d]!]!;
          outcome[row + d] =
            m > -1 && ignoredObject[m]
              ? IGNORED
              : m > -1 && objects[m]!.id !== 0
                ? TRUE_POSITIVE
                : area < min || area > max
                  ? IGNORED
                  : FALSE_POSITIVE;
        }
      }
    }
    start += D;
  });
  return { total, score, rank, outcome, relevant };
}
