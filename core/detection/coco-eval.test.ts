import { describe, expect, it } from 'vitest';
import type { CocoAnnotation, CocoDetection, CocoGroundTruth } from './coco-eval.ts';
import { COCO_STAT_LABELS, evaluateCoco, formatCocoStats } from './coco-eval.ts';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from './coco-params.ts';
import { numpyMean, pythonFixed3 } from './coco-summary.ts';

type Box = [number, number, number, number];

const truth = (
  image_id: number,
  bbox: Box,
  extra: Partial<CocoAnnotation> = {},
): CocoAnnotation => ({
  image_id,
  category_id: 1,
  bbox,
  area: bbox[2] * bbox[3],
  iscrowd: 0,
  ...extra,
});
const det = (image_id: number, bbox: Box, score: number, category_id = 1): CocoDetection => ({
  image_id,
  category_id,
  bbox,
  score,
});
const groundTruth = (annotations: CocoAnnotation[], images = [1, 2]): CocoGroundTruth => ({
  images: images.map((id) => ({ id })),
  annotations: annotations.map((a, i) => ({ id: i + 1, ...a })),
  categories: [
    { id: 1, name: 'cat' },
    { id: 2, name: 'dog' },
  ],
});
/** Precision is tp / (tp + fp + ε) as in pycocotools, so a perfect score is 1 - 2e-16. */
const near = (values: readonly number[]) => values.map((v) => expect.closeTo(v, 12));
const [AP, AP50, AP75, APS, APM, AR1, AR10, AR100] = [0, 1, 2, 3, 4, 6, 7, 8];

describe('evaluateCoco', () => {
  it('gives 1 for a perfect detection, and -1 for the area ranges without truth', () => {
    const { stats } = evaluateCoco(groundTruth([truth(1, [10, 10, 50, 50])]), [
      det(1, [10, 10, 50, 50], 0.9),
    ]);
    expect(stats).toEqual(near([1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1]));
  });

  it('counts a detection at the IoU thresholds it reaches: IoU 0.72 is right at 5 of 10', () => {
    // 100×72 inside 100×100: IoU 7200 / 10000.
    const { stats } = evaluateCoco(groundTruth([truth(1, [0, 0, 100, 100])]), [
      det(1, [0, 0, 100, 72], 0.9),
    ]);
    expect(stats[AP]).toBeCloseTo(0.5, 12);
    expect(stats[AP50]).toBeCloseTo(1, 12);
    expect(stats[AP75]).toBe(0);
    expect(stats[AR100]).toBeCloseTo(0.5, 12);
  });

  it('reads precision at 101 recall points, made monotone from the right', () => {
    // Two objects; scores: hit, miss, hit → recall .5, .5, 1; precision 1, .5, 2/3 → 1, 2/3, 2/3.
    // Recall points 0…0.50 (51 of them) read 1, the 50 above read 2/3.
    const gt = groundTruth([truth(1, [0, 0, 50, 50]), truth(2, [0, 0, 50, 50])]);
    const { stats, curves } = evaluateCoco(gt, [
      det(1, [0, 0, 50, 50], 0.9),
      det(1, [200, 200, 50, 50], 0.8),
      det(2, [0, 0, 50, 50], 0.7),
    ]);
    expect(stats[AP50]).toBeCloseTo((51 + 50 * (2 / 3)) / 101, 12);
    const curve = curves.find((c) => c.categoryId === 1 && c.iou === 0.5)!;
    expect(curve.recall).toEqual(RECALL_THRESHOLDS);
    expect(curve.precision.slice(49, 53)).toEqual(near([1, 1, 2 / 3, 2 / 3]));
  });

  it('orders equal scores by image id, then by their order in the file', () => {
    // Image 1's false positive and image 2's hit tie at 0.5: image 1 comes first (precision 1/2
    // at full recall); listed the other way round in the file changes nothing.
    const gt = groundTruth([truth(2, [0, 0, 50, 50])]);
    const miss = det(1, [200, 200, 50, 50], 0.5);
    const hit = det(2, [0, 0, 50, 50], 0.5);
    expect(evaluateCoco(gt, [miss, hit]).stats[AP50]).toBeCloseTo(0.5, 12);
    expect(evaluateCoco(gt, [hit, miss]).stats[AP50]).toBeCloseTo(0.5, 12);
    // Within one image the file's order decides: the hit first gives precision 1 at recall 1.
    const gt1 = groundTruth([truth(1, [0, 0, 50, 50])]);
    expect(evaluateCoco(gt1, [det(1, [0, 0, 50, 50], 0.5), miss]).stats[AP50]).toBeCloseTo(1, 12);
    expect(evaluateCoco(gt1, [miss, det(1, [0, 0, 50, 50], 0.5)]).stats[AP50]).toBeCloseTo(0.5, 12);
  });

  it('ignores detections on a crowd (however many) and measures them against their own area', () => {
    const gt = groundTruth([
      truth(1, [0, 0, 40, 40]),
      truth(1, [100, 100, 200, 200], { iscrowd: 1 }),
    ]);
    // Three detections well inside the crowd: IoU against the crowd is 1 for each.
    const onCrowd = [
      det(1, [110, 110, 20, 20], 0.95),
      det(1, [150, 150, 30, 30], 0.9),
      det(1, [200, 200, 50, 50], 0.85),
    ];
    const { stats } = evaluateCoco(gt, [...onCrowd, det(1, [0, 0, 40, 40], 0.5)]);
    expect(stats[AP]).toBeCloseTo(1, 12);
    // The crowd alone is no truth that counts: its category drops out (-1).
    const crowdOnly = groundTruth([truth(1, [100, 100, 200, 200], { iscrowd: 1 })]);
    expect(evaluateCoco(crowdOnly, onCrowd).stats[AP]).toBe(-1);
  });

  it('lets an `ignore` flag alone change nothing, as pycocotools (which overwrites it from iscrowd)', () => {
    const flagged = groundTruth([truth(1, [0, 0, 40, 40], { ignore: 1 })]);
    const plain = groundTruth([truth(1, [0, 0, 40, 40])]);
    const found = [det(1, [0, 0, 40, 40], 0.9), det(1, [100, 100, 40, 40], 0.95)];
    expect(evaluateCoco(flagged, found)).toEqual(evaluateCoco(plain, found));
    expect(evaluateCoco(flagged, found).stats[AP]).toBeCloseTo(0.5, 12);
  });

  it('uses the annotation area for the ranges, and a detection matching nothing by its own', () => {
    // A 40×40 box whose area field says 900 is small; an unmatched 100×100 detection is large
    // and so no false positive among the small ones.
    const gt = groundTruth([truth(1, [0, 0, 40, 40], { area: 900 })]);
    const { stats } = evaluateCoco(gt, [
      det(1, [300, 300, 100, 100], 0.9),
      det(1, [0, 0, 40, 40], 0.8),
    ]);
    expect(stats[APS]).toBeCloseTo(1, 12);
    expect(stats[APM]).toBe(-1);
    expect(stats[AP]).toBeCloseTo(0.5, 12);
  });

  it('counts the best 1, 10 and 100 detections per image for the recall lines', () => {
    const gt = groundTruth([truth(1, [0, 0, 50, 50]), truth(1, [100, 0, 50, 50])]);
    const { stats } = evaluateCoco(gt, [
      det(1, [0, 0, 50, 50], 0.9),
      det(1, [100, 0, 50, 50], 0.8),
    ]);
    expect(stats[AR1]).toBeCloseTo(0.5, 12);
    expect(stats[AR10]).toBeCloseTo(1, 12);
    // 101 detections: the one hit, scored last, falls outside the 100 counted.
    const many = Array.from({ length: 100 }, (_, i) => det(1, [300 + i, 300, 10, 10], 0.9));
    const cut = evaluateCoco(groundTruth([truth(1, [0, 0, 50, 50])]), [
      ...many,
      det(1, [0, 0, 50, 50], 0.1),
    ]);
    expect(cut.stats[AR100]).toBe(0);
  });

  it('leaves a category without truth out of the means, and reports it as -1', () => {
    const gt = groundTruth([truth(1, [0, 0, 50, 50])]);
    const result = evaluateCoco(gt, [det(1, [0, 0, 50, 50], 0.9), det(1, [0, 0, 50, 50], 0.9, 2)]);
    expect(result.stats[AP]).toBeCloseTo(1, 12);
    expect(result.perClass).toEqual([
      {
        categoryId: 1,
        name: 'cat',
        ...Object.fromEntries(['ap', 'ap50', 'ap75'].map((k) => [k, expect.closeTo(1, 12)])),
      },
      { categoryId: 2, name: 'dog', ap: -1, ap50: -1, ap75: -1 },
    ]);
    expect(result.curves.map((c) => [c.categoryId, c.iou])).toEqual([
      [1, 0.5],
      [1, IOU_THRESHOLDS[5]],
    ]);
  });

  it('scores no detections as 0 where there is truth', () => {
    const { stats } = evaluateCoco(groundTruth([truth(1, [0, 0, 50, 50])]), []);
    expect(stats).toEqual([0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, -1]);
  });

  it('refuses a detection on an image or of a category the ground truth does not have', () => {
    const gt = groundTruth([truth(1, [0, 0, 50, 50])]);
    expect(() => evaluateCoco(gt, [det(7, [0, 0, 5, 5], 0.5)])).toThrow(
      "Detection 1 names image 7, which is not among the ground truth's 2 images: the detections do not belong to this ground truth.",
    );
    expect(() => evaluateCoco(gt, [det(1, [0, 0, 5, 5], 0.5, 9)])).toThrow(
      "Detection 1 names category 9, which is not among the ground truth's categories (1, 2).",
    );
    const twins = {
      ...gt,
      annotations: [truth(1, [0, 0, 5, 5], { id: 4 }), truth(1, [9, 9, 5, 5], { id: 4 })],
    };
    expect(() => evaluateCoco(twins, [])).toThrow(
      'Ground-truth annotations 1 and 2 have the same id 4; each annotation needs its own.',
    );
  });
});

describe('the summary', () => {
  it("prints pycocotools' twelve lines", () => {
    const lines = formatCocoStats([0.5, 0.75, 0.5, -1, 0.0625, 0.1875, 0, 0, 0, 0, 0, 1]).split(
      '\n',
    );
    expect(lines[0]).toBe(
      ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500',
    );
    expect(lines[3]).toBe(
      ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000',
    );
    // Ties go to the even digit, as in Python.
    expect(lines[4]).toMatch(/area=medium \| maxDets=100 \] = 0\.062$/);
    expect(lines[5]).toMatch(/area= large \| maxDets=100 \] = 0\.188$/);
    expect(lines[6]).toBe(
      ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.000',
    );
    expect(lines).toHaveLength(13);
    expect(COCO_STAT_LABELS[1]).toBe('AP @[ IoU=0.50 | area=all | maxDets=100 ]');
  });

  it('rounds as Python does and averages as numpy does', () => {
    expect([0.0625, 0.3125, 0.9375, 0.0626, 1 / 3].map(pythonFixed3)).toEqual([
      '0.062',
      '0.312',
      '0.938',
      '0.063',
      '0.333',
    ]);
    expect(numpyMean([1, 2, 3])).toBe(2);
    // Pairwise: (0.1 + 0.2) + … in blocks of eight, not a running sum.
    const values = Array.from({ length: 300 }, (_, i) => 0.1 * ((i % 7) + 1));
    expect(numpyMean(values)).toBeCloseTo(values.reduce((a, b) => a + b) / 300, 12);
  });
});
