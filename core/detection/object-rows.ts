import type { CocoDetection, CocoGroundTruth } from './coco-eval.ts';
import type { Detection } from './decode.ts';

/**
 * An `objects` target per image: a fixed block of MAX_OBJECTS rows of OBJECT_FIELDS numbers,
 * [class index, xmin, ymin, xmax, ymax, ignore], corners as fractions of the image, ignore 1 for
 * a crowd or difficult object (it takes no positive in training and is ignored by the score, as
 * COCO ignores crowds); an unused row has class −1. A hundred is COCO's maxDets: an image with
 * more keeps its largest objects.
 */
export const MAX_OBJECTS = 100;
export const OBJECT_FIELDS = 6;
export const OBJECT_ROWS_SIZE = MAX_OBJECTS * OBJECT_FIELDS;

export interface ObjectRow {
  readonly classIndex: number;
  readonly box: readonly [number, number, number, number];
  readonly ignore: boolean;
}

/** The used rows of one image's block, starting at `at`. */
export function readObjectRows(values: ArrayLike<number>, at = 0): ObjectRow[] {
  const rows: ObjectRow[] = [];
  for (let r = 0; r < MAX_OBJECTS; r++) {
    const o = at + r * OBJECT_FIELDS;
    const classIndex = values[o] ?? -1;
    if (!(classIndex >= 0)) continue;
    rows.push({
      classIndex: Math.round(classIndex),
      box: [values[o + 1]!, values[o + 2]!, values[o + 3]!, values[o + 4]!],
      ignore: (values[o + 5] ?? 0) > 0.5,
    });
  }
  return rows;
}

const boxArea = (b: readonly number[]) => Math.max(0, b[2]! - b[0]!) * Math.max(0, b[3]! - b[1]!);

/**
 * One image's objects as a block: the non-ignored ones first by area (largest first) when there
 * are more than MAX_OBJECTS, then the ignored ones in what room is left; unused rows class −1.
 * `dropped` counts objects that did not fit.
 */
export function writeObjectRows(objects: readonly ObjectRow[]): {
  rows: Float32Array;
  dropped: number;
} {
  const out = new Float32Array(OBJECT_ROWS_SIZE);
  for (let r = 0; r < MAX_OBJECTS; r++) out[r * OBJECT_FIELDS] = -1;
  const ordered =
    objects.length <= MAX_OBJECTS
      ? objects
      : [...objects].sort(
          (a, b) => Number(a.ignore) - Number(b.ignore) || boxArea(b.box) - boxArea(a.box),
        );
  ordered.slice(0, MAX_OBJECTS).forEach((o, r) => {
    out.set([o.classIndex, ...o.box, o.ignore ? 1 : 0], r * OBJECT_FIELDS);
  });
  return { rows: out, dropped: Math.max(0, objects.length - MAX_OBJECTS) };
}

/** Pixels of a box given as fractions, in COCO's [x, y, w, h]. */
const pixelBox = (
  b: readonly number[],
  width: number,
  height: number,
): [number, number, number, number] => [
  b[0]! * width,
  b[1]! * height,
  (b[2]! - b[0]!) * width,
  (b[3]! - b[1]!) * height,
];

/**
 * Images' truth and detections as COCO files: image ids 1.., category ids 1.. in class order,
 * boxes in pixels of an image of `width`×`height`, an ignored object as a crowd.
 */
export function cocoFiles(
  truth: readonly (readonly ObjectRow[])[],
  detections: readonly (readonly Detection[])[],
  classes: readonly string[],
  width: number,
  height: number,
): { groundTruth: CocoGroundTruth; results: CocoDetection[] } {
  let id = 0;
  const groundTruth: CocoGroundTruth = {
    images: truth.map((_, i) => ({ id: i + 1, width, height })),
    annotations: truth.flatMap((rows, i) =>
      rows.map((o) => {
        const bbox = pixelBox(o.box, width, height);
        id += 1;
        return {
          id,
          image_id: i + 1,
          category_id: o.classIndex + 1,
          bbox,
          area: bbox[2] * bbox[3],
          iscrowd: o.ignore ? 1 : 0,
        };
      }),
    ),
    categories: classes.map((name, k) => ({ id: k + 1, name })),
  };
  const results = detections.flatMap((dets, i) =>
    dets.map((d) => ({
      image_id: i + 1,
      category_id: d.classIndex + 1,
      bbox: pixelBox(d.box, width, height),
      score: d.score,
    })),
  );
  return { groundTruth, results };
}
