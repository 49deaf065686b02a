import { describe, expect, it } from 'vitest';
import { evaluateCoco } from './coco-eval.ts';
import { DetectionAccumulator, detectionSummary } from './detection-accumulator.ts';

const none = { boxes: [], scores: [], classes: [] };

describe('DetectionAccumulator', () => {
  it("writes COCO's files: pixels, ids from 1, an ignored object as a crowd", () => {
    const acc = new DetectionAccumulator(['cat', 'dog']);
    acc.add(
      [
        {
          width: 200,
          height: 100,
          name: 'a.png',
          objects: [
            { box: [0.1, 0.2, 0.5, 0.6], classIndex: 1 },
            { box: [0, 0, 0.25, 0.5], classIndex: 0, ignore: true },
          ],
        },
        { width: 50, height: 50, objects: [] },
      ],
      [{ boxes: [0.1, 0.2, 0.5, 0.6], scores: [0.9], classes: [1] }, none],
    );
    const { groundTruth, detections } = acc.cocoFiles();
    expect(groundTruth.images).toEqual([
      { id: 1, width: 200, height: 100, file_name: 'a.png' },
      { id: 2, width: 50, height: 50 },
    ]);
    expect(groundTruth.categories).toEqual([
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ]);
    expect(groundTruth.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 2, bbox: [20, 20, 80, 40], area: 3200, iscrowd: 0 },
      {
        id: 2,
        image_id: 1,
        category_id: 1,
        bbox: [0, 0, 50, 50],
        area: 2500,
        iscrowd: 1,
        ignore: 1,
      },
    ]);
    expect(detections).toEqual([
      { image_id: 1, category_id: 2, bbox: [20, 20, 80, 40], score: 0.9 },
    ]);
    expect(acc.imageCount).toBe(2);
  });

  it('scores batch after batch as one split, and starts again after reset', () => {
    const acc = new DetectionAccumulator(['cat']);
    const image = {
      width: 100,
      height: 100,
      objects: [{ box: [0, 0, 0.5, 0.5] as const, classIndex: 0 }],
    };
    acc.add([image], [{ boxes: [0, 0, 0.5, 0.5], scores: [0.8], classes: [0] }]);
    acc.add([image], [{ boxes: [0.5, 0.5, 1, 1], scores: [0.9], classes: [0] }]);
    const { map, map50 } = detectionSummary(acc.evaluate());
    // Two objects; the best-scored detection misses: precision 0, 1/2 → 1/2 up to recall 1/2.
    expect(map50).toBeCloseTo(51 / 101 / 2, 12);
    expect(map).toBeCloseTo(map50, 12);
    const { groundTruth, detections } = acc.cocoFiles();
    expect(acc.evaluate()).toEqual(evaluateCoco(groundTruth, detections));
    acc.reset();
    expect(acc.imageCount).toBe(0);
    expect(detectionSummary(acc.evaluate())).toEqual({ map: -1, map50: -1 });
  });

  it('refuses what cannot be scored, in a sentence', () => {
    const acc = new DetectionAccumulator(['cat', 'dog']);
    const image = { width: 10, height: 10, objects: [] };
    expect(() => acc.add([image], [])).toThrow(
      'A batch has truth for 1 images but detections for 0.',
    );
    expect(() => acc.add([image], [{ boxes: [0, 0, 1, 1], scores: [0.5], classes: [2] }])).toThrow(
      'Detection 1 of image 1 has class 2, outside the 2 classes (0 to 1).',
    );
    expect(() => acc.add([image], [{ boxes: [0, 0, 1], scores: [0.5], classes: [0] }])).toThrow(
      'Image 1 has 1 scores but 0.75 boxes and 1 classes.',
    );
    expect(acc.imageCount).toBe(0);
  });
});
