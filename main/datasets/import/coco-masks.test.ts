/**
 * COCO segmentations drawn into masks: polygons and both RLE forms agree pixel for pixel with
 * pycocotools, overlaps follow the stated order, and a bad segmentation is a sentence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REFERENCE_PYTHON, referenceMissing, runPython } from '../../export/test-python.ts';
import { drawMask, readSegmentation } from './coco-masks.ts';
import { decodeRleString, SegmentationError } from './coco-rle.ts';
import { temporaryFolders } from './test-fixtures.ts';

const folders = temporaryFolders('studio-coco-masks-');
afterAll(() => folders.cleanup());

const one = (segmentation: unknown, value = 1) => ({
  from: 'instances.json',
  shapes: [{ value, parts: readSegmentation(segmentation), where: 'instances.json annotation 7' }],
});

/** A seeded generator, so a failing polygon can be drawn again. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Each case: [name, height, width, segmentation] as a COCO annotation gives it. */
function polygonCases(): [string, number, number, number[][]][] {
  const cases: [string, number, number, number[][]][] = [
    ['a concave arrow', 20, 24, [[2, 2, 20, 4, 10, 9, 21, 17, 3, 15, 7, 9]]],
    [
      'two overlapping parts and a third apart',
      18,
      22,
      [
        [1, 1, 12, 1, 12, 9, 1, 9],
        [6, 5, 16, 5, 16, 14, 6, 14],
        [18, 2, 21, 2, 19.5, 8],
      ],
    ],
    ['edges touching and passing the borders', 12, 16, [[0, 0, 16, 0, 16, 12, 0, 12]]],
    ['a triangle cut by every border', 12, 16, [[-4, 6, 8, -3, 20, 14.5]]],
    [
      'fractional vertices on pixel centres and edges',
      9,
      9,
      [[0.5, 0.5, 7.5, 1, 6.25, 8.5, 1, 6.9]],
    ],
    ['a sliver thinner than a pixel', 10, 30, [[1, 3, 28, 4, 1, 3.4]]],
    ['a repeated vertex', 10, 10, [[2, 2, 2, 2, 8, 3, 5, 8]]],
  ];
  const next = random(21);
  for (let n = 0; n < 24; n++) {
    const [height, width] = [8 + Math.floor(next() * 30), 8 + Math.floor(next() * 30)];
    const parts = Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
      Array.from(
        { length: 2 * (3 + Math.floor(next() * 7)) },
        (_, i) =>
          // Some vertices land outside the image and some on whole or half pixels.
          Math.round((next() * 1.3 - 0.15) * (i % 2 ? height : width) * 4) / 4,
      ),
    );
    cases.push([`random polygon ${n + 1} (possibly self-crossing)`, height, width, parts]);
  }
  return cases;
}

const missing = referenceMissing('pycocotools');

describe.skipIf(missing)(
  `COCO segmentations against pycocotools${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    it('draws polygons pixel for pixel as frPyObjects, merge and decode do', async () => {
      const cases = polygonCases();
      const work = await folders.make();
      await writeFile(join(work, 'cases.json'), JSON.stringify(cases));
      const script = [
        'import json, numpy as np, pycocotools.mask as m',
        "cases = json.load(open('cases.json'))",
        'print(json.dumps([m.decode(m.merge(m.frPyObjects(s, h, w))).ravel().tolist() for _, h, w, s in cases]))',
      ].join('\n');
      const theirs = JSON.parse(
        await runPython(['-c', script], work, {}, 60_000, REFERENCE_PYTHON),
      ) as number[][];
      const differing = cases.map(([name, height, width, segmentation], i) => {
        const ours = drawMask(one(segmentation), height, width).values;
        return [name, ours.filter((v, p) => v !== theirs[i]![p]).length] as const;
      });
      // Exact agreement: every case 0 pixels apart.
      expect(differing.filter(([, n]) => n > 0)).toEqual([]);
      expect(theirs.flat().filter((v) => v === 1).length).toBeGreaterThan(1000);
    });

    it('reads compressed and uncompressed RLE as pycocotools decodes them', async () => {
      const next = random(5);
      const masks = Array.from({ length: 12 }, (_, n) => {
        const [height, width] = [1 + Math.floor(next() * 40), 1 + Math.floor(next() * 40)];
        // Blobs of long runs, and for some masks single-pixel noise, so counts of every size occur.
        const noise = n % 3 === 0 ? 0.3 : 0.02;
        let on = next() < 0.5;
        const values = Array.from({ length: height * width }, () => {
          if (next() < noise) on = !on;
          return on ? 1 : 0;
        });
        return { height, width, values };
      });
      const work = await folders.make();
      await writeFile(join(work, 'masks.json'), JSON.stringify(masks));
      const script = [
        'import json, numpy as np, pycocotools.mask as m',
        "masks = json.load(open('masks.json'))",
        'out = []',
        'for k in masks:',
        "    a = np.array(k['values'], dtype=np.uint8).reshape(k['height'], k['width'])",
        '    rle = m.encode(np.asfortranarray(a))',
        "    flat = a.ravel(order='F')",
        '    edges = np.flatnonzero(np.diff(np.concatenate([[0], flat, [1 - flat[-1]]])))',
        '    runs = np.diff(np.concatenate([[0], edges])).tolist()',
        "    plain = m.frPyObjects({'counts': runs, 'size': rle['size']}, *rle['size'])",
        "    out.append({'string': rle['counts'].decode(), 'runs': runs, 'size': rle['size'],",
        "                'plain': m.decode(plain).ravel().tolist()})",
        'print(json.dumps(out))',
      ].join('\n');
      const theirs = JSON.parse(
        await runPython(['-c', script], work, {}, 60_000, REFERENCE_PYTHON),
      ) as { string: string; runs: number[]; size: [number, number]; plain: number[] }[];
      theirs.forEach((rle, n) => {
        const { height, width, values } = masks[n]!;
        const compressed = drawMask(one({ counts: rle.string, size: rle.size }), height, width);
        expect(Array.from(compressed.values)).toEqual(values);
        const uncompressed = drawMask(one({ counts: rle.runs, size: rle.size }), height, width);
        expect(Array.from(uncompressed.values)).toEqual(rle.plain);
        expect(rle.plain).toEqual(values);
      });
    });
  },
);

describe('COCO segmentations', () => {
  it("decode COCO's RLE strings, deltas and signs included", () => {
    // pycocotools.mask.encode of a 3×4 mask and of a 40×50 rectangle with one hole.
    expect(decodeRleString('42111')).toEqual([4, 2, 1, 3, 2]);
    const runs = decodeRleString(
      'm8i0?0000\\OB>>6000000000000000000000000000000000000000000000000000000000000000000S6',
    );
    expect(runs.reduce((a, b) => a + b)).toBe(2000);
    expect(runs.slice(0, 8)).toEqual([285, 25, 15, 25, 15, 25, 15, 5]);
    expect(drawMask(one({ counts: '42111', size: [3, 4] }), 3, 4).values).toEqual(
      Uint8Array.from([0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0]),
    );
  });

  it('draw crowds first, then objects largest first, so a smaller one lies on top', () => {
    const square = (x: number, y: number, s: number) =>
      readSegmentation([[x, y, x + s, y, x + s, y + s, x, y + s]]);
    const drawn = drawMask(
      {
        from: 'instances.json',
        shapes: [
          { value: 2, parts: square(2, 2, 2), where: 'small' },
          { value: 255, parts: square(0, 0, 8), where: 'crowd' },
          { value: 1, parts: square(1, 1, 5), where: 'large' },
          { value: 3, parts: square(2, 2, 2), where: 'small, later' },
        ],
      },
      8,
      8,
    );
    const row = (y: number) => Array.from(drawn.values.subarray(y * 8, y * 8 + 8));
    expect(row(0)).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    expect(row(1)).toEqual([255, 1, 1, 1, 1, 1, 255, 255]);
    expect(row(2)).toEqual([255, 1, 3, 3, 1, 1, 255, 255]);
  });

  it.each([
    [[[1, 1, 5, 1]], 'malformed', 'has a polygon 1 of 2 points, and a polygon needs at least 3'],
    [[[1, 1, 5, 1, 3]], 'malformed', 'has a polygon 1 of 5 numbers, not x, y pairs'],
    [
      [[1, 1, 5, '1', 3, 3]],
      'malformed',
      'has a polygon 1 that is not a list of numbers [x1, y1, x2, y2, …]',
    ],
    [
      { counts: [3, 4], size: [4, 3] },
      'size-mismatch',
      'has an RLE of 3×4 pixels (size [4, 3]) but its image is 4×3',
    ],
    [
      { counts: [3, 4], size: [3, 4] },
      'malformed',
      'has RLE counts that cover 7 pixels, not the 12 of its 4×3 size',
    ],
    [{ counts: [3, -1, 10], size: [3, 4] }, 'malformed', 'has -1 among its RLE counts'],
    [
      { counts: '42~11', size: [3, 4] },
      'malformed',
      `has RLE counts with the character "~" at 3, outside COCO's encoding ('0' to 'o')`,
    ],
    [{ counts: '4a', size: [3, 4] }, 'malformed', 'has RLE counts that end inside a run'],
    [
      { counts: 3, size: [3, 4] },
      'malformed',
      'has an RLE whose counts are neither a list nor a string',
    ],
    ['1 2 3', 'malformed', 'has a segmentation that is neither a list of polygons nor an RLE'],
  ])('refuse %j, saying why', (segmentation, kind, why) => {
    let error: unknown;
    try {
      readSegmentation(segmentation, { width: 4, height: 3 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SegmentationError);
    expect((error as SegmentationError).kind).toBe(kind);
    expect((error as Error).message).toContain(why);
  });
});
