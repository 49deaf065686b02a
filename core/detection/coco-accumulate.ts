import type { CategoryMatches } from './coco-match.ts';
import { OUTCOME } from './coco-match.ts';
import {
  AREA_RANGES,
  IOU_THRESHOLDS,
  MAX_DETECTIONS,
  RECALL_THRESHOLDS,
  SPACING_1,
} from './coco-params.ts';

/**
 * pycocotools' eval['precision'] [T, R, K, A, M] and eval['recall'] [T, K, A, M], row-major as
 * numpy keeps them; -1 where a category has no ground truth that counts.
 */
export interface CocoAccumulation {
  readonly categories: number;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
}

// Read once here: in the loops below an imported binding costs a lookup per use.
const { falsePositive: FALSE_POSITIVE, truePositive: TRUE_POSITIVE } = OUTCOME;
const EPS = SPACING_1;
const RECALL_POINTS = Float64Array.from(RECALL_THRESHOLDS);
const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGES.length;
const M = MAX_DETECTIONS.length;

export function precisionIndex(t: number, r: number, k: number, K: number, a: number, m: number) {
  return (((t * R + r) * K + k) * A + a) * M + m;
}

export function recallIndex(t: number, k: number, K: number, a: number, m: number) {
  return ((t * K + k) * A + a) * M + m;
}

export function emptyAccumulation(categories: number): CocoAccumulation {
  return {
    categories,
    precision: new Float64Array(T * R * categories * A * M).fill(-1),
    recall: new Float64Array(T * categories * A * M).fill(-1),
  };
}

/**
 * Positions 0..n-1 highest score first, equal scores in position order: what numpy's stable
 * mergesort of -score gives the concatenation, so ties across images fall as in pycocotools.
 */
function scoreOrder(score: Float64Array): Int32Array {
  return Int32Array.from({ length: score.length }, (_, i) => i).sort(
    (i, j) => score[j]! - score[i]! || i - j,
  );
}

/**
 * pycocotools' accumulate for one category, written into `into` at `k`. A category with no image
 * (neither truth nor detections) or no truth that counts keeps -1, as there.
 */
export function accumulateCategory(
  matches: CategoryMatches,
  k: number,
  into: CocoAccumulation,
  images: number,
): void {
  if (images === 0) return;
  const K = into.categories;
  const { total, outcome } = matches;
  const sorted = scoreOrder(matches.score);
  const rc = new Float64Array(total);
  const pr = new Float64Array(total);
  for (let m = 0; m < M; m++) {
    // The first maxDet of each image, still in the sorted order (a subset keeps its order).
    const maxDet = MAX_DETECTIONS[m]!;
    const order = m === M - 1 ? sorted : sorted.filter((i) => matches.rank[i]! < maxDet);
    const nd = order.length;
    for (let a = 0; a < A; a++) {
      const relevant = matches.relevant[a]!;
      if (relevant === 0) continue;
      for (let t = 0; t < T; t++) {
        const row = (a * T + t) * total;
        let tp = 0;
        let fp = 0;
        for (let j = 0; j < nd; j++) {
          const o = outcome[row + order[j]!];
          if (o === TRUE_POSITIVE) tp++;
          else if (o === FALSE_POSITIVE) fp++;
          rc[j] = tp / relevant;
          pr[j] = tp / (fp + tp + EPS);
        }
        into.recall[recallIndex(t, k, K, a, m)] = nd ? rc[nd - 1]! : 0;
        // Precision made monotone from the right: the best precision at this recall or beyond.
        for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
        // numpy's searchsorted(rc, recThrs, side='left'): the first detection reaching each
        // recall point; the points no detection reaches keep precision 0.
        let j = 0;
        for (let r = 0; r < R; r++) {
          while (j < nd && rc[j]! < RECALL_POINTS[r]!) j++;
          into.precision[precisionIndex(t, r, k, K, a, m)] = j < nd ? pr[j]! : 0;
        }
      }
    }
  }
}
