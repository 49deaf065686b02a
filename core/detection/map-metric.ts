import type { Shape } from '../shape.ts';
import type { MetricAccumulator } from '../tasks/task.ts';
import { evaluateCoco } from './coco-eval.ts';
import { decodeDetections, type DecodeOptions, type Detection } from './decode.ts';
import { cocoFiles, OBJECT_ROWS_SIZE, readObjectRows, type ObjectRow } from './object-rows.ts';

/** A detection head's decoding settings from its params, with the head kind's defaults. */
export function decodeOptionsOf(
  params: Readonly<Record<string, unknown>> | undefined,
): DecodeOptions {
  return {
    topK: Number(params?.topK ?? 100),
    threshold: Number(params?.scoreThreshold ?? 0.3),
    nms: Boolean(params?.nms ?? false),
    nmsIoU: Number(params?.nmsIoU ?? 0.5),
  };
}

/** The head's classes and map size from its output shape [H, W, classes + 4]. */
export const mapGeometry = (shape: Shape) => ({
  height: shape[0] ?? 1,
  width: shape[1] ?? 1,
  classes: Math.max(0, (shape[2] ?? 4) - 4),
});

/**
 * COCO box AP over a split: each batch's truth rows and decoded detections are kept, and the
 * finish step scores them with the COCO evaluator. Every peak up to the head's top K counts, with
 * no score threshold, as COCO scores a detector's top 100 (the threshold is for showing boxes).
 * `stat` picks one of the twelve numbers (0: AP@0.5:0.95, 1: AP@0.5). The image is taken as one
 * pixel per map cell: the numbers read here are over all areas, which no scale changes.
 */
export function cocoApAccumulator(
  shape: Shape,
  params: Readonly<Record<string, unknown>> | undefined,
  stat: number,
): MetricAccumulator {
  const geometry = mapGeometry(shape);
  const options: DecodeOptions = { ...decodeOptionsOf(params), threshold: 0 };
  const units = geometry.height * geometry.width * (geometry.classes + 4);
  let truth: ObjectRow[][] = [];
  let detections: Detection[][] = [];
  return {
    reset() {
      truth = [];
      detections = [];
    },
    add(t, p, samples) {
      for (let s = 0; s < samples; s++) {
        truth.push(readObjectRows(t, s * OBJECT_ROWS_SIZE));
        detections.push(decodeDetections({ values: p, at: s * units, ...geometry }, options));
      }
    },
    finish() {
      if (truth.length === 0) return Number.NaN;
      const names = Array.from({ length: geometry.classes }, (_, k) => String(k));
      const { groundTruth, results } = cocoFiles(
        truth,
        detections,
        names,
        geometry.width,
        geometry.height,
      );
      const value = evaluateCoco(groundTruth, results).stats[stat] ?? -1;
      // COCO gives −1 when no image has an object to find; a chart reads that as nothing found.
      return value < 0 ? 0 : value;
    },
  };
}
