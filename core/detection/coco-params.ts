/**
 * COCOeval's default parameters for boxes (pycocotools `Params.setDetParams`), computed the way
 * numpy computes them so every threshold is the same double as pycocotools' own.
 */

/** numpy.linspace(start, stop, num) operation for operation: i·step + start, the end set exactly. */
function linspace(start: number, stop: number, num: number): readonly number[] {
  const step = (stop - start) / (num - 1);
  const values = Array.from({ length: num }, (_, i) => i * step + start);
  values[num - 1] = stop;
  return values;
}

/** .50:.05:.95 — ten IoU thresholds. */
export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
/** The positions of IoU .50 and .75 in IOU_THRESHOLDS (AP50, AP75). */
export const IOU_50 = 0;
export const IOU_75 = 5;

/** 0:.01:1 — the 101 recall points precision is read at. */
export const RECALL_THRESHOLDS = linspace(0, 1, 101);

/** The most detections per image (and category) each summary line counts. */
export const MAX_DETECTIONS = [1, 10, 100] as const;

export type AreaLabel = 'all' | 'small' | 'medium' | 'large';

/** Object sizes in square pixels; both ends belong to the range, as in pycocotools. */
export const AREA_RANGES: readonly { label: AreaLabel; min: number; max: number }[] = [
  { label: 'all', min: 0, max: 1e10 },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e10 },
];

/** numpy's np.spacing(1): keeps precision defined where nothing has been detected yet. */
export const SPACING_1 = Number.EPSILON;
