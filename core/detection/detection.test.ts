import { describe, expect, it } from 'vitest';
import { centerNetTargets, gaussianRadius } from './centernet-targets.ts';
import { decodeDetections, type DecodeOptions } from './decode.ts';
import { MAX_OBJECTS, OBJECT_FIELDS, readObjectRows, writeObjectRows } from './object-rows.ts';

const ALL: DecodeOptions = { topK: 100, threshold: 0, nms: false, nmsIoU: 0.5 };

/** A [H, W, C + 4] map of very low logits with `peaks` set: [y, x, class, logit, w, h, ox, oy]. */
function map(height: number, width: number, classes: number, peaks: number[][]): Float32Array {
  const stride = classes + 4;
  const values = new Float32Array(height * width * stride);
  for (let i = 0; i < height * width; i++) values.fill(-20, i * stride, i * stride + classes);
  for (const [y, x, c, logit, w, h, ox, oy] of peaks as number[][] &
    [number, number, number, number, number, number, number, number][]) {
    const at = (y! * width + x!) * stride;
    values[at + c!] = logit!;
    values.set([w!, h!, ox!, oy!], at + classes);
  }
  return values;
}

describe('the detection decoder', () => {
  it('reads a box from the peak cell, its size and its offset, as fractions of the image', () => {
    const values = map(4, 8, 2, [[1, 2, 1, 2, 2, 1, 0.5, 0.25]]);
    const [d, ...rest] = decodeDetections(
      { values, at: 0, height: 4, width: 8, classes: 2 },
      { ...ALL, threshold: 0.5 },
    );
    expect(rest).toEqual([]);
    expect(d?.classIndex).toBe(1);
    expect(d?.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    // centre (2.5, 1.25) cells, 2×1 cells: x 1.5–3.5 of 8, y 0.75–1.75 of 4
    expect(d?.box).toEqual([1.5 / 8, 0.75 / 4, 3.5 / 8, 1.75 / 4]);
  });

  it('keeps only 3×3 peaks, highest first, up to top K, above the threshold', () => {
    const values = map(6, 6, 1, [
      [2, 2, 0, 3, 1, 1, 0, 0],
      [2, 3, 0, 2, 1, 1, 0, 0], // beside a higher one: not a peak
      [5, 5, 0, 1, 1, 1, 0, 0],
      [0, 5, 0, 0, 1, 1, 0, 0],
    ]);
    const maps = { values, at: 0, height: 6, width: 6, classes: 1 };
    expect(
      decodeDetections(maps, { ...ALL, threshold: 0.6 }).map((d) => d.score.toFixed(3)),
    ).toEqual(['0.953', '0.731']);
    expect(decodeDetections(maps, { ...ALL, topK: 1 })).toHaveLength(1);
    // Every cell of the low background is its own peak too; with no threshold they all count.
    expect(decodeDetections(maps, ALL).length).toBeGreaterThan(3);
  });

  it('drops an overlapping box of the same class with NMS, not one of another class', () => {
    const values = map(8, 8, 2, [
      [2, 2, 0, 3, 3, 3, 0.5, 0.5],
      [2, 4, 0, 2, 3, 3, -0.9, 0.5], // IoU with the first 0.67 (same class)
      [5, 5, 1, 2, 3, 3, 0.5, 0.5],
      [5, 7, 1, 1, 3, 3, 0.5, 0.5],
    ]);
    const maps = { values, at: 0, height: 8, width: 8, classes: 2 };
    const options = { ...ALL, threshold: 0.5 };
    expect(decodeDetections(maps, options)).toHaveLength(4);
    const kept = decodeDetections(maps, { ...options, nms: true });
    expect(kept.map((d) => d.classIndex)).toEqual([0, 1, 1]);
  });
});

/** The decoder's steps written plainly (no NMS): a reference for the decoder's fast loops. */
function plainDecode(
  values: Float32Array,
  height: number,
  width: number,
  classes: number,
  topK: number,
) {
  const stride = classes + 4;
  const logit = (y: number, x: number, c: number) => values[(y * width + x) * stride + c]!;
  const peaks = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < classes; c++) {
        const around = [-1, 0, 1].flatMap((dy) =>
          [-1, 0, 1].map((dx) => [y + dy, x + dx] as const),
        );
        const inside = around.filter(([ny, nx]) => ny >= 0 && nx >= 0 && ny < height && nx < width);
        if (inside.every(([ny, nx]) => logit(ny, nx, c) <= logit(y, x, c)))
          peaks.push({
            index: (y * width + x) * classes + c,
            score: 1 / (1 + Math.exp(-logit(y, x, c))),
            y,
            x,
            c,
          });
      }
  peaks.sort((a, b) => b.score - a.score || a.index - b.index);
  return peaks.slice(0, topK).map((p) => {
    const [w, h, ox, oy] = [0, 1, 2, 3].map(
      (k) => values[(p.y * width + p.x) * stride + classes + k]!,
    );
    const [cx, cy] = [(p.x + ox!) / width, (p.y + oy!) / height];
    const clip = (v: number) => Math.min(1, Math.max(0, v));
    const box = [
      cx - w! / width / 2,
      cy - h! / height / 2,
      cx + w! / width / 2,
      cy + h! / height / 2,
    ].map(clip);
    return { box, score: p.score, classIndex: p.c };
  });
}

describe('the decoder on noisy maps', () => {
  it("gives the plain steps' detections in their order, ties included", () => {
    const [height, width, classes] = [5, 7, 3];
    let s = 11;
    const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const topK of [100, 10]) {
      // Logits on a coarse grid: plateaus of equal values and equal scores across classes.
      const values = Float32Array.from(
        { length: height * width * (classes + 4) },
        () => Math.round(next() * 6) / 2 - 1,
      );
      const found = decodeDetections({ values, at: 0, height, width, classes }, { ...ALL, topK });
      expect(found.map((d) => ({ ...d, box: [...d.box] }))).toEqual(
        plainDecode(values, height, width, classes, topK),
      );
      expect(found.length).toBeGreaterThan(topK === 10 ? 9 : 10);
    }
  });
});

describe('objects rows', () => {
  it('keep the largest non-ignored objects when an image has more than fit', () => {
    const objects = Array.from({ length: MAX_OBJECTS + 5 }, (_, k) => ({
      classIndex: k % 3,
      box: [0, 0, (k + 1) / 200, 0.5] as const,
      ignore: k === MAX_OBJECTS + 4,
    }));
    const { rows, dropped } = writeObjectRows(objects);
    expect(dropped).toBe(5);
    const back = readObjectRows(rows);
    expect(back).toHaveLength(MAX_OBJECTS);
    expect(back.some((o) => o.ignore)).toBe(false);
    expect(Math.min(...back.map((o) => o.box[2]))).toBeCloseTo(5 / 200, 6);
  });
});

describe('CenterNet targets', () => {
  it('compute the radius as CenterNet’s gaussian_radius does', () => {
    // Values from CenterNet's own Python (src/lib/utils/image.py) for these box sizes.
    expect(gaussianRadius(10, 10)).toBeCloseTo(2.7332005306815113, 12);
    expect(gaussianRadius(3, 7)).toBeCloseTo(1.1633326527834207, 12);
    expect(gaussianRadius(40, 25)).toBeCloseTo(8.446732987271808, 12);
  });

  const rows = (
    objects: {
      classIndex: number;
      box: readonly [number, number, number, number];
      ignore: boolean;
    }[],
  ) => writeObjectRows(objects).rows;

  it('put a peak of 1, the size and the offset at an object’s centre cell', () => {
    // A box of 6×4 cells on an 8×8 map centred at (2.5, 5.5): radius 1.
    const t = centerNetTargets(
      rows([{ classIndex: 1, box: [-0.5 / 8, 3.5 / 8, 5.5 / 8, 7.5 / 8], ignore: false }]),
      1,
      8,
      8,
      3,
    );
    const cell = 5 * 8 + 2;
    expect(t.positives).toBe(1);
    expect(t.heat[cell * 3 + 1]).toBe(1);
    expect(t.positive[cell * 3 + 1]).toBe(1);
    expect(t.negativeWeight[cell * 3 + 1]).toBe(0);
    expect(Array.from(t.regression.subarray(cell * 4, cell * 4 + 4))).toEqual([6, 4, 0.5, 0.5]);
    expect(t.regressionMask[cell]).toBe(1);
    // A neighbour gets a Gaussian value below 1 and a reduced penalty; another class none.
    const beside = (cell + 1) * 3 + 1;
    expect(t.heat[beside]).toBeGreaterThan(0);
    expect(t.heat[beside]).toBeLessThan(1);
    expect(t.negativeWeight[beside]).toBeCloseTo((1 - t.heat[beside]!) ** 4, 6);
    expect(t.heat[cell * 3]).toBe(0);
  });

  it('give an ignored object no peak and no penalty inside its box, and an empty image 1 centre to divide by', () => {
    const t = centerNetTargets(
      rows([{ classIndex: 0, box: [0, 0, 0.5, 0.5], ignore: true }]),
      1,
      4,
      4,
      2,
    );
    expect(t.positive.every((v) => v === 0)).toBe(true);
    expect(t.positives).toBe(1);
    expect(t.negativeWeight[0]).toBe(0); // cell (0, 0), class 0: inside the ignored box
    expect(t.negativeWeight[1]).toBe(1); // class 1 there is an ordinary negative
    expect(t.negativeWeight[(3 * 4 + 3) * 2]).toBe(1);
    const empty = new Float32Array(MAX_OBJECTS * OBJECT_FIELDS);
    for (let r = 0; r < MAX_OBJECTS; r++) empty[r * OBJECT_FIELDS] = -1;
    expect(centerNetTargets(empty, 1, 4, 4, 2).positives).toBe(1);
  });
});
