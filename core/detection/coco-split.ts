import { StudioError } from '../problems.ts';
import type { CocoEvaluation } from './coco-eval.ts';
import { COCO_INPUT_ERRORS, evaluateCells } from './coco-eval.ts';
import type { CocoBox, GroundObject, ImageCell } from './coco-match.ts';
import { decodeDetections, type DecodeOptions } from './decode.ts';
import { MAX_OBJECTS, OBJECT_FIELDS, OBJECT_ROWS_SIZE } from './object-rows.ts';

/** A detection head's map: H×W cells of `classes` heatmaps, then size and offset. */
export interface MapGeometry {
  readonly height: number;
  readonly width: number;
  readonly classes: number;
}

/** One image and category's truth and detections, as evaluateCells reads them. */
interface Cell extends ImageCell {
  readonly objects: GroundObject[];
  readonly detections: number[];
}

/**
 * A split's truth rows and decoded detections in COCO's terms as the batches come, each image
 * kept once: what cocoFiles() then evaluateCoco() would give for the same batches (images 1.. in
 * the order added, category = class index + 1, an image of one pixel per map cell, an ignored
 * object as a crowd), built without the files between, since a training split is scored every
 * epoch. The evaluation is kept until the next batch or reset: the trainer reads it more than once.
 */
export class CocoSplit {
  /** Per category, the cells of the images that have truth or detections of it, in image order. */
  private cells: Cell[][] = [];
  /** Per category, the image of its last cell (−1: none yet). */
  private lastImage: number[] = [];
  /** Every detection's box, 4 numbers each (x, y, width, height). */
  private boxes: number[] = [];
  private scores: number[] = [];
  private areas: number[] = [];
  private annotations = 0;
  private evaluation: CocoEvaluation | undefined;
  private readonly units: number;
  images = 0;

  constructor(
    private readonly geometry: MapGeometry,
    private readonly options: DecodeOptions,
  ) {
    this.units = geometry.height * geometry.width * (geometry.classes + 4);
    this.reset();
  }

  reset(): void {
    this.cells = Array.from({ length: this.geometry.classes }, () => []);
    this.lastImage = Array.from({ length: this.geometry.classes }, () => -1);
    this.boxes = [];
    this.scores = [];
    this.areas = [];
    this.annotations = 0;
    this.images = 0;
    this.evaluation = undefined;
  }

  /** A batch of `samples`: their objects rows (`truth`) and head maps (`prediction`). */
  add(truth: Float32Array, prediction: Float32Array, samples: number): void {
    const { width, height, classes } = this.geometry;
    for (let s = 0; s < samples; s++) {
      const image = this.images++;
      for (let r = 0; r < MAX_OBJECTS; r++) {
        const o = s * OBJECT_ROWS_SIZE + r * OBJECT_FIELDS;
        // As readObjectRows reads a row: a class under 0 (or NaN) marks it unused.
        const value = truth[o] ?? -1;
        if (!(value >= 0)) continue;
        const k = Math.round(value);
        if (k >= classes) {
          throw new StudioError(
            COCO_INPUT_ERRORS.groundTruth,
            `An object of image ${image + 1} has class ${k}, outside the head's ${classes} classes (0 to ${classes - 1}).`,
          );
        }
        const box = pixelBox(
          truth[o + 1]!,
          truth[o + 2]!,
          truth[o + 3]!,
          truth[o + 4]!,
          width,
          height,
        );
        this.cellOf(k, image).objects.push({
          id: ++this.annotations,
          box,
          area: box[2] * box[3],
          crowd: (truth[o + 5] ?? 0) > 0.5,
        });
      }
      const found = decodeDetections(
        { values: prediction, at: s * this.units, ...this.geometry },
        this.options,
      );
      for (const d of found) {
        const box = d.box;
        // pixelBox's arithmetic, without an array per detection.
        const w = (box[2] - box[0]) * width;
        const h = (box[3] - box[1]) * height;
        this.cellOf(d.classIndex, image).detections.push(this.scores.length);
        this.boxes.push(box[0] * width, box[1] * height, w, h);
        this.scores.push(d.score);
        this.areas.push(w * h);
      }
    }
    this.evaluation = undefined;
  }

  private cellOf(k: number, image: number): Cell {
    const cells = this.cells[k]!;
    if (this.lastImage[k] !== image) {
      this.lastImage[k] = image;
      cells.push({ objects: [], detections: [] });
    }
    return cells[cells.length - 1]!;
  }

  evaluate(): CocoEvaluation {
    this.evaluation ??= evaluateCells(
      this.cells,
      {
        box: Float64Array.from(this.boxes),
        score: Float64Array.from(this.scores),
        area: Float64Array.from(this.areas),
      },
      this.cells.map((_, k) => ({ categoryId: k + 1, name: String(k) })),
    );
    return this.evaluation;
  }
}

/** Pixels of a box given as fractions, in COCO's [x, y, w, h], as object-rows' cocoFiles writes it. */
const pixelBox = (
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  height: number,
): CocoBox => [x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height];
