import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCoco } from '../../core/detection/coco-eval.ts';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from '../../core/detection/coco-params.ts';
import type { ImageDetections, ImageTruth } from '../../core/detection/detection-accumulator.ts';
import { DetectionAccumulator } from '../../core/detection/detection-accumulator.ts';
import { writeDetectionFiles } from '../runs/detection-files.ts';
import { REFERENCE_PYTHON, referenceMissing, runPython } from '../export/test-python.ts';
import type { CocoFixture } from './test-coco-fixtures.ts';
import { noLargeFixture, randomFixture, situationsFixture } from './test-coco-fixtures.ts';
import { cli } from './test-cli.ts';

/** What main/cli/pycocotools-eval.py prints. */
interface Reference {
  stats: number[];
  summary: string;
  perClass: { categoryId: number; ap: number; ap50: number; ap75: number }[];
  curves: { categoryId: number; iou: number; precision: number[] }[];
  iouThrs: number[];
  recThrs: number[];
}

const missing = referenceMissing('pycocotools');
const SCRIPT = join(import.meta.dirname, 'pycocotools-eval.py');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-coco-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The fixture written as the two files, scored by pycocotools and by the command line. */
async function score(name: string, fixture: CocoFixture) {
  const gtPath = join(work, `${name}.gt.json`);
  const dtPath = join(work, `${name}.detections.json`);
  await writeFile(gtPath, JSON.stringify(fixture.gt));
  await writeFile(dtPath, JSON.stringify(fixture.detections));
  const reference = JSON.parse(
    await runPython([SCRIPT, gtPath, dtPath], work, {}, 120_000, REFERENCE_PYTHON),
  ) as Reference;
  return { reference, printed: await cli('coco-eval', gtPath, dtPath) };
}

const FIXTURES: [string, () => CocoFixture][] = [
  ['every special case', situationsFixture],
  ['no large objects', noLargeFixture],
  ['300 random images (seed 1)', () => randomFixture(1)],
  ['300 random images (seed 2)', () => randomFixture(2)],
];

describe.skipIf(missing)(
  `COCO evaluation against pycocotools${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    it.each(FIXTURES)(
      '%s: the same twelve numbers, per-class AP and curves',
      async (name, make) => {
        const fixture = make();
        const { reference, printed } = await score(name.replace(/\W+/g, '-'), fixture);
        const ours = evaluateCoco(fixture.gt, fixture.detections);
        expect(ours.stats).toHaveLength(12);
        ours.stats.forEach((s, i) => expect(Math.abs(s - reference.stats[i]!)).toBeLessThan(1e-6));
        expect(ours.perClass.map((c) => c.categoryId)).toEqual(
          reference.perClass.map((c) => c.categoryId),
        );
        ours.perClass.forEach((c, k) => {
          const theirs = reference.perClass[k]!;
          for (const key of ['ap', 'ap50', 'ap75'] as const)
            expect(Math.abs(c[key] - theirs[key])).toBeLessThan(1e-6);
        });
        expect(ours.curves.map((c) => [c.categoryId, c.iou])).toEqual(
          reference.curves.map((c) => [c.categoryId, c.iou]),
        );
        ours.curves.forEach((c, i) =>
          c.precision.forEach((p, r) =>
            expect(Math.abs(p - reference.curves[i]!.precision[r]!)).toBeLessThan(1e-6),
          ),
        );
        // The command prints what pycocotools' summarize() prints, character for character.
        expect(printed).toEqual({ code: 0, out: reference.summary, err: '' });
      },
    );

    it("a split's detections.json and ground-truth.json re-scored by pycocotools give the studio's numbers", async () => {
      // The random set as a detection head sees it: boxes as fractions, classes from 0, batches of 8.
      const { gt, detections } = randomFixture(3, 120);
      const acc = new DetectionAccumulator(gt.categories.map((c) => c.name));
      const batch: [ImageTruth, ImageDetections][] = [];
      const flush = () => {
        acc.add(
          batch.map(([t]) => t),
          batch.map(([, d]) => d),
        );
        batch.length = 0;
      };
      for (const image of gt.images) {
        const [w, h] = [image.width!, image.height!];
        const fractions = ([x, y, bw, bh]: readonly number[]) =>
          [x! / w, y! / h, (x! + bw!) / w, (y! + bh!) / h] as const;
        const found = detections.filter((d) => d.image_id === image.id);
        batch.push([
          {
            width: w,
            height: h,
            objects: gt.annotations
              .filter((a) => a.image_id === image.id)
              .map((a) => ({
                box: fractions(a.bbox),
                classIndex: a.category_id - 1,
                ignore: a.iscrowd === 1,
              })),
          },
          {
            boxes: found.flatMap((d) => fractions(d.bbox)),
            scores: found.map((d) => d.score),
            classes: found.map((d) => d.category_id - 1),
          },
        ]);
        if (batch.length === 8) flush();
      }
      flush();
      const paths = await writeDetectionFiles(work, acc);
      const reference = JSON.parse(
        await runPython(
          [SCRIPT, paths.groundTruth, paths.detections],
          work,
          {},
          120_000,
          REFERENCE_PYTHON,
        ),
      ) as Reference;
      const studio = acc.evaluate();
      expect(studio.stats[0]).toBeGreaterThan(0.05);
      studio.stats.forEach((s, i) => expect(Math.abs(s - reference.stats[i]!)).toBeLessThan(1e-6));
    });

    it("uses pycocotools' thresholds, to the bit", async () => {
      const { reference } = await score('thresholds', noLargeFixture());
      expect(IOU_THRESHOLDS).toEqual(reference.iouThrs);
      expect(RECALL_THRESHOLDS).toEqual(reference.recThrs);
    });
  },
);
