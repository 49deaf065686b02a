import type { Shape } from '../shape.ts';
import type { MetricAccumulator, MetricScope } from '../tasks/task.ts';
import { CocoSplit } from './coco-split.ts';
import type { DecodeOptions } from './decode.ts';

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
 * COCO box AP over a split: each batch's truth rows and decoded detections are kept (CocoSplit),
 * and the finish step scores them with the COCO evaluator. Every peak up to the head's top K counts, with
 * no score threshold, as COCO scores a detector's top 100 (the threshold is for showing boxes).
 * `stat` picks one of the twelve numbers (0: AP@0.5:0.95, 1: AP@0.5). The image is taken as one
 * pixel per map cell: the numbers read here are over all areas, which no scale changes. With a
 * `scope`, the head's COCO metrics share one CocoSplit: the first one created feeds it (its add
 * and reset), the others only read it, so a split is decoded and evaluated once.
 */
export function cocoApAccumulator(
  shape: Shape,
  params: Readonly<Record<string, unknown>> | undefined,
  stat: number,
  scope?: MetricScope,
): MetricAccumulator {
  const geometry = mapGeometry(shape);
  const options: DecodeOptions = { ...decodeOptionsOf(params), threshold: 0 };
  const key = `cocoSplit ${JSON.stringify({ geometry, options })}`;
  const shared = scope?.get(key);
  const split = shared instanceof CocoSplit ? shared : new CocoSplit(geometry, options);
  const feeds = split !== shared;
  scope?.set(key, split);
  return {
    reset() {
      if (feeds) split.reset();
    },
    add(t, p, samples) {
      if (feeds) split.add(t, p, samples);
    },
    finish() {
      if (split.images === 0) return Number.NaN;
      const value = split.evaluate().stats[stat] ?? -1;
      // COCO gives −1 when no image has an object to find; a chart reads that as nothing found.
      return value < 0 ? 0 : value;
    },
  };
}
