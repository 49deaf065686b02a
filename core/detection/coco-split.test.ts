import { describe, expect, it } from 'vitest';
import { evaluateCoco } from './coco-eval.ts';
import { CocoSplit } from './coco-split.ts';
import { decodeDetections, type DecodeOptions } from './decode.ts';
import { cocoApAccumulator } from './map-metric.ts';
import { cocoFiles, OBJECT_ROWS_SIZE, readObjectRows, writeObjectRows } from './object-rows.ts';

const [H, W, C] = [6, 8, 3];
const UNITS = H * W * (C + 4);
const OPTIONS: DecodeOptions = { topK: 100, threshold: 0, nms: false, nmsIoU: 0.5 };

/** A seeded stream of numbers in [0, 1). */
function random(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Truth rows and head maps of `n` images: a few objects each (some ignored), noisy logits. */
function batch(n: number, next: () => number) {
  const truth = new Float32Array(n * OBJECT_ROWS_SIZE);
  const prediction = new Float32Array(n * UNITS);
  for (let i = 0; i < n; i++) {
    const objects = Array.from({ length: Math.floor(next() * 4) }, () => {
      const [x, y, s] = [next() * 0.7, next() * 0.7, 0.1 + next() * 0.3];
      return {
        classIndex: Math.floor(next() * C),
        box: [x, y, x + s, y + s] as const,
        ignore: next() < 0.2,
      };
    });
    truth.set(writeObjectRows(objects).rows, i * OBJECT_ROWS_SIZE);
    // Logits on a coarse grid, so equal scores (ties) happen as well.
    for (let u = 0; u < H * W * (C + 4); u++)
      prediction[i * UNITS + u] = Math.round(next() * 8) / 2 - 2;
  }
  return { truth, prediction };
}

describe('a split scored as it comes', () => {
  it('gives, to the bit, what cocoFiles then evaluateCoco give for the same batches', () => {
    const next = random(3);
    const split = new CocoSplit({ height: H, width: W, classes: C }, OPTIONS);
    const truth = [];
    const found = [];
    for (const n of [5, 7, 1]) {
      const b = batch(n, next);
      split.add(b.truth, b.prediction, n);
      for (let s = 0; s < n; s++) {
        truth.push(readObjectRows(b.truth, s * OBJECT_ROWS_SIZE));
        found.push(
          decodeDetections(
            { values: b.prediction, at: s * UNITS, height: H, width: W, classes: C },
            OPTIONS,
          ),
        );
      }
    }
    const names = ['0', '1', '2'];
    const files = cocoFiles(truth, found, names, W, H);
    const want = evaluateCoco(files.groundTruth, files.results);
    expect(split.evaluate()).toEqual(want);
    expect(want.stats[0]).toBeGreaterThan(0);
    split.reset();
    expect(split.images).toBe(0);
  });

  it('refuses an object whose class the head does not have, naming the image', () => {
    const split = new CocoSplit({ height: H, width: W, classes: C }, OPTIONS);
    const { rows } = writeObjectRows([{ classIndex: C, box: [0.1, 0.1, 0.5, 0.5], ignore: false }]);
    expect(() => split.add(rows, new Float32Array(UNITS), 1)).toThrow(
      /image 1 has class 3, outside the head's 3 classes/,
    );
  });

  it('is decoded and evaluated once for the head metrics that share a scope', () => {
    const { truth, prediction } = batch(6, random(5));
    const alone = [1, 0].map((stat) => {
      const metric = cocoApAccumulator([H, W, C + 4], undefined, stat);
      metric.add(truth, prediction, 6);
      return metric.finish();
    });
    const scope = new Map<string, unknown>();
    const metrics = [1, 0].map((stat) => cocoApAccumulator([H, W, C + 4], undefined, stat, scope));
    for (const metric of metrics) metric.add(truth, prediction, 6);
    expect(scope.size).toBe(1);
    expect(metrics.map((m) => m.finish())).toEqual(alone);
    // The second metric only reads: its reset leaves the split; the first one's empties it.
    metrics[1]!.reset();
    expect(metrics[1]!.finish()).toBe(alone[1]);
    metrics[0]!.reset();
    expect(metrics[1]!.finish()).toBeNaN();
  });
});
