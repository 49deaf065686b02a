import { StudioError } from '../problems.ts';
import type {
  CocoAnnotation,
  CocoDetection,
  CocoEvaluation,
  CocoGroundTruth,
  CocoImage,
} from './coco-eval.ts';
import { evaluateCoco } from './coco-eval.ts';

/** A box as fractions of its image: [xmin, ymin, xmax, ymax], the studio's box layout. */
export type FractionBox = readonly [number, number, number, number];

/** One object of an image's truth; `ignore` (a crowd, a VOC "difficult") counts neither way. */
export interface TruthObject {
  readonly box: FractionBox;
  readonly classIndex: number;
  readonly ignore?: boolean;
}

/** An image's truth and its size in pixels (COCO's areas and ranges are in square pixels). */
export interface ImageTruth {
  readonly width: number;
  readonly height: number;
  readonly objects: readonly TruthObject[];
  /** Kept as the image's file_name in the written ground truth. */
  readonly name?: string;
}

/** A model's detections on one image: boxes [n × 4] as FractionBox rows, a score and class each. */
export interface ImageDetections {
  readonly boxes: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
  readonly classes: ArrayLike<number>;
}

/** mAP over IoU .50:.95 and at IoU .50 (COCO's AP and AP50); -1 when no class has truth. */
export interface DetectionSummary {
  readonly map: number;
  readonly map50: number;
}

const refuse = (message: string) => new StudioError('E_DETECTION_INPUT', message);

/** Fractions of an image to COCO's [x, y, width, height] in pixels. */
function toPixels(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  image: ImageTruth,
): [number, number, number, number] {
  return [x0 * image.width, y0 * image.height, (x1 - x0) * image.width, (y1 - y0) * image.height];
}

/**
 * Collects a split's truth and detections batch by batch in COCO's own terms (images numbered
 * from 1 in the order added, category id = class index + 1, boxes in pixels) and scores them
 * with evaluateCoco; cocoFiles() is the same data as the two files pycocotools reads, so a
 * re-score there gives the same numbers. An ignored object is written as a crowd (iscrowd 1):
 * pycocotools overwrites `ignore` from `iscrowd`, and a crowd is the one ignored object it knows.
 */
export class DetectionAccumulator {
  private images: CocoImage[] = [];
  private annotations: CocoAnnotation[] = [];
  private detections: CocoDetection[] = [];

  constructor(readonly classNames: readonly string[]) {}

  reset(): void {
    this.images = [];
    this.annotations = [];
    this.detections = [];
  }

  /** How many images have been added since the last reset. */
  get imageCount(): number {
    return this.images.length;
  }

  /** One batch: the truth and the detections of each of its images, in the same order. */
  add(truth: readonly ImageTruth[], detections: readonly ImageDetections[]): void {
    if (truth.length !== detections.length) {
      throw refuse(
        `A batch has truth for ${truth.length} images but detections for ${detections.length}.`,
      );
    }
    // Checked whole before anything is kept: a refused batch leaves the split as it was.
    const images: CocoImage[] = [];
    const annotations: CocoAnnotation[] = [];
    const found: CocoDetection[] = [];
    truth.forEach((image, i) => {
      const id = this.images.length + images.length + 1;
      const firstAnnotation = this.annotations.length + annotations.length + 1;
      const converted = this.convert(id, firstAnnotation, image, detections[i]!);
      images.push(converted.image);
      for (const a of converted.annotations) annotations.push(a);
      for (const d of converted.detections) found.push(d);
    });
    for (const image of images) this.images.push(image);
    for (const a of annotations) this.annotations.push(a);
    for (const d of found) this.detections.push(d);
  }

  private classId(classIndex: number, what: string): number {
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= this.classNames.length) {
      throw refuse(
        `${what} has class ${classIndex}, outside the ${this.classNames.length} classes (0 to ${this.classNames.length - 1}).`,
      );
    }
    return classIndex + 1;
  }

  /** One image in COCO's terms, as image `id` whose annotations are numbered from `firstId`. */
  private convert(id: number, firstId: number, image: ImageTruth, found: ImageDetections) {
    if (!(image.width > 0 && image.height > 0)) {
      throw refuse(`Image ${id} has a size of ${image.width}×${image.height} pixels.`);
    }
    const n = found.scores.length;
    if (found.boxes.length !== 4 * n || found.classes.length !== n) {
      throw refuse(
        `Image ${id} has ${n} scores but ${found.boxes.length / 4} boxes and ${found.classes.length} classes.`,
      );
    }
    const annotations = image.objects.map((object, i): CocoAnnotation => {
      const bbox = toPixels(...object.box, image);
      return {
        id: firstId + i,
        image_id: id,
        category_id: this.classId(object.classIndex, `An object of image ${id}`),
        bbox,
        area: bbox[2] * bbox[3],
        iscrowd: object.ignore ? 1 : 0,
        ...(object.ignore ? { ignore: 1 } : {}),
      };
    });
    const detections: CocoDetection[] = [];
    const b = found.boxes;
    for (let d = 0; d < n; d++) {
      const score = found.scores[d]!;
      if (!Number.isFinite(score))
        throw refuse(`Detection ${d + 1} of image ${id} has score ${score}.`);
      detections.push({
        image_id: id,
        category_id: this.classId(found.classes[d]!, `Detection ${d + 1} of image ${id}`),
        bbox: toPixels(b[4 * d]!, b[4 * d + 1]!, b[4 * d + 2]!, b[4 * d + 3]!, image),
        score,
      });
    }
    const cocoImage: CocoImage = {
      id,
      width: image.width,
      height: image.height,
      ...(image.name !== undefined ? { file_name: image.name } : {}),
    };
    return { image: cocoImage, annotations, detections };
  }

  /** The ground truth and the results list pycocotools reads (COCO's formats, as plain data). */
  cocoFiles(): {
    readonly groundTruth: CocoGroundTruth;
    readonly detections: readonly CocoDetection[];
  } {
    return {
      groundTruth: {
        images: this.images,
        annotations: this.annotations,
        categories: this.classNames.map((name, i) => ({ id: i + 1, name })),
      },
      detections: this.detections,
    };
  }

  /** COCO's evaluation of everything added since the last reset. */
  evaluate(): CocoEvaluation {
    const { groundTruth, detections } = this.cocoFiles();
    return evaluateCoco(groundTruth, detections);
  }
}

/** The two numbers a detection head reports per epoch, from a COCO evaluation. */
export function detectionSummary(evaluation: CocoEvaluation): DetectionSummary {
  return { map: evaluation.stats[0]!, map50: evaluation.stats[1]! };
}
