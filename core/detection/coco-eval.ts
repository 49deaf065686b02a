import { StudioError } from '../problems.ts';
import { accumulateCategory, emptyAccumulation } from './coco-accumulate.ts';
import type { DetectionTable, GroundObject, ImageCell } from './coco-match.ts';
import { matchCategory } from './coco-match.ts';
import {
  IOU_50,
  IOU_75,
  IOU_THRESHOLDS,
  MAX_DETECTIONS,
  RECALL_THRESHOLDS,
} from './coco-params.ts';
import { categoryAP, precisionCurve, summaryStats } from './coco-summary.ts';

export { COCO_STAT_LABELS, formatCocoStats } from './coco-summary.ts';

/**
 * COCO box evaluation, the numbers pycocotools' COCOeval (iouType 'bbox') gives, to the last bit
 * where numpy's arithmetic allows: see core/detection/README.md for what it matches and where it
 * differs on purpose.
 */

export interface CocoImage {
  readonly id: number;
  readonly width?: number;
  readonly height?: number;
  readonly file_name?: string;
}
export interface CocoAnnotation {
  readonly id?: number;
  readonly image_id: number;
  readonly category_id: number;
  /** x, y, w, h in pixels. */
  readonly bbox: readonly [number, number, number, number];
  /** What the area ranges test; w × h when absent. */
  readonly area?: number;
  readonly iscrowd?: number;
  /** Read by pycocotools but overwritten from `iscrowd` before use: it changes nothing here either. */
  readonly ignore?: number;
}
export interface CocoCategory {
  readonly id: number;
  readonly name: string;
}
export interface CocoGroundTruth {
  readonly images: readonly CocoImage[];
  readonly annotations: readonly CocoAnnotation[];
  readonly categories: readonly CocoCategory[];
}
export interface CocoDetection {
  readonly image_id: number;
  readonly category_id: number;
  readonly bbox: readonly [number, number, number, number];
  readonly score: number;
}
export interface CocoEvaluation {
  /** The twelve numbers, pycocotools' order; -1 where pycocotools gives -1. */
  readonly stats: readonly number[];
  /** Every category in id order; AP, AP50 and AP75 over all areas at 100 detections, -1 without truth. */
  readonly perClass: readonly {
    categoryId: number;
    name: string;
    ap: number;
    ap50: number;
    ap75: number;
  }[];
  /** 101-point PR at IoU .5 and .75 (all areas, maxDets 100), for each category with truth. */
  readonly curves: readonly {
    categoryId: number;
    name: string;
    iou: number;
    recall: readonly number[];
    precision: readonly number[];
  }[];
}

/** The codes of evaluateCoco's refusals: a broken ground truth, or detections that do not fit it. */
export const COCO_INPUT_ERRORS = {
  groundTruth: 'E_COCO_GROUND_TRUTH',
  detections: 'E_COCO_DETECTIONS',
} as const;

type Source = keyof typeof COCO_INPUT_ERRORS;
const refuse = (source: Source, message: string) =>
  new StudioError(COCO_INPUT_ERRORS[source], message);

/** Truth and detections of one image and one category, and the image's place in id order. */
interface Cell extends ImageCell {
  readonly image: number;
  readonly objects: GroundObject[];
  readonly detections: number[];
}

/** Sorted distinct ids and each id's position among them. */
function positions(ids: readonly number[]): { sorted: number[]; at: Map<number, number> } {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  return { sorted, at: new Map(sorted.map((id, i) => [id, i])) };
}

/** Every image and category's truth and detections, per category in image-id order. */
function cellsByCategory(
  gt: CocoGroundTruth,
  detections: readonly CocoDetection[],
): { cells: Cell[][]; table: DetectionTable } {
  const images = positions(gt.images.map((image) => image.id));
  const categories = positions(gt.categories.map((category) => category.id));
  const byCategory = categories.sorted.map(() => new Map<number, Cell>());
  // `what` names the item for a refusal; a function, so no sentence is built for items that fit.
  const cellOf = (
    imageId: number,
    categoryId: number,
    source: Source,
    what: () => string,
  ): Cell => {
    const image = images.at.get(imageId);
    if (image === undefined) {
      const why =
        source === 'detections'
          ? 'the detections do not belong to this ground truth'
          : 'every annotation needs an image of the list';
      throw refuse(
        source,
        `${what()} names image ${imageId}, which is not among the ground truth's ${images.sorted.length} images: ${why}.`,
      );
    }
    const k = categories.at.get(categoryId);
    if (k === undefined) {
      throw refuse(
        source,
        `${what()} names category ${categoryId}, which is not among the ground truth's categories (${categories.sorted.join(', ') || 'it lists none'}).`,
      );
    }
    const cells = byCategory[k]!;
    let cell = cells.get(image);
    if (!cell) cells.set(image, (cell = { image, objects: [], detections: [] }));
    return cell;
  };
  const ids = new Map<number, number>();
  gt.annotations.forEach((ann, i) => {
    const id = ann.id ?? i + 1;
    const twin = ids.get(id);
    if (twin !== undefined) {
      throw refuse(
        'groundTruth',
        `Ground-truth annotations ${twin + 1} and ${i + 1} have the same id ${id}; each annotation needs its own.`,
      );
    }
    ids.set(id, i);
    const [, , w, h] = ann.bbox;
    cellOf(
      ann.image_id,
      ann.category_id,
      'groundTruth',
      () => `Ground-truth annotation ${i + 1} (id ${id})`,
    ).objects.push({
      id,
      box: ann.bbox,
      area: ann.area ?? w * h,
      crowd: (ann.iscrowd ?? 0) !== 0,
    });
  });
  const table = {
    box: Float64Array.from(detections.flatMap((det) => det.bbox)),
    score: Float64Array.from(detections, (det) => det.score),
    area: Float64Array.from(detections, (det) => det.bbox[2] * det.bbox[3]),
  };
  for (let i = 0; i < detections.length; i++) {
    const det = detections[i]!;
    cellOf(det.image_id, det.category_id, 'detections', () => `Detection ${i + 1}`).detections.push(
      i,
    );
  }
  const cells = byCategory.map((inCategory) =>
    [...inCategory.values()].sort((a, b) => a.image - b.image),
  );
  return { cells, table };
}

/**
 * Scores detections against ground truth as pycocotools' COCOeval does for boxes. A detection
 * (or annotation) naming an image or category the ground truth does not list is refused with a
 * sentence (pycocotools asserts on the image, and drops the category in silence).
 */
export function evaluateCoco(
  gt: CocoGroundTruth,
  detections: readonly CocoDetection[],
): CocoEvaluation {
  const { cells, table } = cellsByCategory(gt, detections);
  const categories = positions(gt.categories.map((c) => c.id)).sorted.map((id) => ({
    categoryId: id,
    // The last category of an id names it, as pycocotools' index keeps the last.
    name: gt.categories.findLast((c) => c.id === id)!.name,
  }));
  return evaluateCells(cells, table, categories);
}

/**
 * evaluateCoco's scoring from truth and detections already grouped: per category in id order,
 * the cells of the images that have either, in image-id order.
 */
export function evaluateCells(
  byCategory: readonly (readonly ImageCell[])[],
  table: DetectionTable,
  categories: readonly { categoryId: number; name: string }[],
): CocoEvaluation {
  const acc = emptyAccumulation(byCategory.length);
  const maxDet = MAX_DETECTIONS[MAX_DETECTIONS.length - 1]!;
  byCategory.forEach((cells, k) =>
    accumulateCategory(matchCategory(cells, table, maxDet), k, acc, cells.length),
  );
  const every = [...IOU_THRESHOLDS.keys()];
  return {
    stats: summaryStats(acc),
    perClass: categories.map((c, k) => ({
      ...c,
      ap: categoryAP(acc, k, every),
      ap50: categoryAP(acc, k, [IOU_50]),
      ap75: categoryAP(acc, k, [IOU_75]),
    })),
    curves: categories.flatMap((c, k) =>
      [IOU_50, IOU_75].flatMap((t) => {
        const precision = precisionCurve(acc, t, k);
        return precision[0]! > -1
          ? [{ ...c, iou: IOU_THRESHOLDS[t]!, recall: RECALL_THRESHOLDS, precision }]
          : [];
      }),
    ),
  };
}
