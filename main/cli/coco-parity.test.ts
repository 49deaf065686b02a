import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCoco } from '../../core/detection/coco-eval.ts';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from '../../core/detection/coco-params.ts';
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

    it("uses pycocotools' thresholds, to the bit", async () => {
      const { reference } = await score('thresholds', noLargeFixture());
      expect(IOU_THRESHOLDS).toEqual(reference.iouThrs);
      expect(RECALL_THRESHOLDS).toEqual(reference.recThrs);
    });
  },
);
