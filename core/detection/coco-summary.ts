import type { CocoAccumulation } from './coco-accumulate.ts';
import { precisionIndex, recallIndex } from './coco-accumulate.ts';
import {
  AREA_RANGES,
  IOU_50,
  IOU_75,
  IOU_THRESHOLDS,
  MAX_DETECTIONS,
  RECALL_THRESHOLDS,
  type AreaLabel,
} from './coco-params.ts';

/** One line of pycocotools' summarize(): AP or AR, at one IoU (or all), area and maxDets. */
interface SummaryLine {
  readonly ap: boolean;
  readonly iou?: number;
  readonly area: AreaLabel;
  readonly maxDets: (typeof MAX_DETECTIONS)[number];
}

const SUMMARY_LINES: readonly SummaryLine[] = [
  { ap: true, area: 'all', maxDets: 100 },
  { ap: true, iou: IOU_50, area: 'all', maxDets: 100 },
  { ap: true, iou: IOU_75, area: 'all', maxDets: 100 },
  { ap: true, area: 'small', maxDets: 100 },
  { ap: true, area: 'medium', maxDets: 100 },
  { ap: true, area: 'large', maxDets: 100 },
  { ap: false, area: 'all', maxDets: 1 },
  { ap: false, area: 'all', maxDets: 10 },
  { ap: false, area: 'all', maxDets: 100 },
  { ap: false, area: 'small', maxDets: 100 },
  { ap: false, area: 'medium', maxDets: 100 },
  { ap: false, area: 'large', maxDets: 100 },
];

/**
 * numpy's mean of a float64 vector bit for bit: its pairwise summation (blocks of 8 partial
 * sums up to 128 values, halves above), divided by the count. A plain running sum can land one
 * ulp off and print a different third decimal where the mean sits on a tie.
 */
export function numpyMean(values: ArrayLike<number>): number {
  return pairwiseSum(values, 0, values.length) / values.length;
}

function pairwiseSum(a: ArrayLike<number>, from: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[from + i]!;
    return sum;
  }
  if (n <= 128) {
    const r = Array.from({ length: 8 }, (_, j) => a[from + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[from + i + j]!;
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) sum += a[from + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, from, half) + pairwiseSum(a, from + half, n - half);
}

/** The mean of the values above -1, or -1 when there are none: summarize()'s rule. */
function meanOfDefined(values: readonly number[]): number {
  const defined = values.filter((v) => v > -1);
  return defined.length ? numpyMean(defined) : -1;
}

/** The twelve numbers in pycocotools' order, from an accumulation over K categories. */
export function summaryStats(acc: CocoAccumulation): number[] {
  const K = acc.categories;
  return SUMMARY_LINES.map((line) => {
    const a = AREA_RANGES.findIndex((range) => range.label === line.area);
    const m = MAX_DETECTIONS.indexOf(line.maxDets);
    const thresholds = line.iou === undefined ? [...IOU_THRESHOLDS.keys()] : [line.iou];
    const values: number[] = [];
    // numpy's row-major order of the selected block: threshold, (recall point,) category.
    for (const t of thresholds) {
      if (line.ap) {
        for (let r = 0; r < RECALL_THRESHOLDS.length; r++)
          for (let k = 0; k < K; k++) values.push(acc.precision[precisionIndex(t, r, k, K, a, m)]!);
      } else {
        for (let k = 0; k < K; k++) values.push(acc.recall[recallIndex(t, k, K, a, m)]!);
      }
    }
    return meanOfDefined(values);
  });
}

/** The 101-point precision of category `k` at threshold `t`, all areas, 100 detections. */
export function precisionCurve(acc: CocoAccumulation, t: number, k: number): number[] {
  const all = AREA_RANGES.findIndex((range) => range.label === 'all');
  return RECALL_THRESHOLDS.map(
    (_, r) =>
      acc.precision[precisionIndex(t, r, k, acc.categories, all, MAX_DETECTIONS.length - 1)]!,
  );
}

/** AP of category `k` over the given thresholds (all areas, 100 detections); -1 without truth. */
export function categoryAP(
  acc: CocoAccumulation,
  k: number,
  thresholds: readonly number[],
): number {
  return meanOfDefined(thresholds.flatMap((t) => precisionCurve(acc, t, k)));
}

const iouText = (line: SummaryLine) =>
  line.iou === undefined
    ? `${IOU_THRESHOLDS[0]!.toFixed(2)}:${IOU_THRESHOLDS[IOU_THRESHOLDS.length - 1]!.toFixed(2)}`
    : IOU_THRESHOLDS[line.iou]!.toFixed(2);

/** The twelve lines' labels: "AP @[ IoU=0.50:0.95 | area=all | maxDets=100 ]" and so on. */
export const COCO_STAT_LABELS: readonly string[] = SUMMARY_LINES.map(
  (line) =>
    `${line.ap ? 'AP' : 'AR'} @[ IoU=${iouText(line)} | area=${line.area} | maxDets=${line.maxDets} ]`,
);

/**
 * Python's '{:0.3f}': the nearest of the three-decimal numbers to the double, ties to even.
 * toFixed breaks ties upward, and a mean such as 0.0625 (a sixteenth: the only doubles exactly
 * halfway at three decimals) is a tie.
 */
export function pythonFixed3(x: number): string {
  const sixteenths = x * 16;
  if (Number.isInteger(sixteenths) && sixteenths % 2 !== 0) {
    const below = Math.floor(x * 1000);
    const even = below % 2 === 0 ? below : below + 1;
    return (even / 1000).toFixed(3);
  }
  return x.toFixed(3);
}

/** The twelve lines exactly as pycocotools' summarize() prints them, each ending in a newline. */
export function formatCocoStats(stats: readonly number[]): string {
  return SUMMARY_LINES.map((line, i) => {
    const title = (line.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
    const kind = line.ap ? '(AP)' : '(AR)';
    const value = stats[i] ?? Number.NaN;
    return ` ${title} ${kind} @[ IoU=${iouText(line).padEnd(9)} | area=${line.area.padStart(6)} | maxDets=${String(line.maxDets).padStart(3)} ] = ${pythonFixed3(value)}\n`;
  }).join('');
}
