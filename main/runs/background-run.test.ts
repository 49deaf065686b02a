/**
 * A run on an imported dataset with background images (no objects): a detection head trains on
 * them with finite losses and mAP, keeps them in its test detections and gallery; a class and
 * box head leaves them out, and the run's report says which.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GallerySample } from '../../core/contract/host.ts';
import type { DatasetReport, TrainingEvent } from '../../core/contract/training.ts';
import { taskSpec } from '../../core/tasks/registry.ts';
import { temporaryFolders, writeFixtureDataset } from '../datasets/import/test-fixtures.ts';
import { graphOf, tinyReferenceGraph } from '../engine/test-graphs.ts';
import { REFERENCE_PYTHON, referenceMissing, runPython } from '../export/test-python.ts';
import { buildGallery } from '../processes/gallery.ts';
import { openRunFolder } from './run-folder.ts';
import { runTraining } from './run-training.ts';

const folders = temporaryFolders('studio-background-run-');
const PYCOCOTOOLS = join(import.meta.dirname, '../cli/pycocotools-eval.py');
const noPycocotools = referenceMissing('pycocotools');
afterAll(() => folders.cleanup());

/** Input 16×16, two stride-2 convolutions, a detection head on the 4×4 map. */
const tinyDetectionGraph = () =>
  graphOf(
    'tiny detection',
    [
      { id: 'image', kind: 'Input', params: { height: 16, width: 16, channels: 3 } },
      {
        id: 'conv1',
        kind: 'Conv2D',
        params: { filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      },
      {
        id: 'conv2',
        kind: 'Conv2D',
        params: { filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      },
      {
        id: 'objects',
        kind: 'DetectionHead',
        params: { task: 'objects', target: 'objects', classes: 3 },
      },
    ],
    [
      ['image', 'conv1'],
      ['conv1', 'conv2'],
      ['conv2', 'objects'],
    ],
    {
      learningRate: 0.003,
      batchSize: 4,
      epochs: 2,
      seed: 3,
      dataset: 'digits',
      // Split by class, a quarter each: background images fall in validation and test too.
      datasetOptions: { validationFraction: 0.25, testFraction: 0.25 },
    },
  );

/** Every number in a value, however deep, with where it is. */
function numbersIn(value: unknown, at = ''): [string, number][] {
  if (typeof value === 'number') return [[at, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => numbersIn(v, `${at}.${k}`));
}

/** 16 images with objects and 8 without (the last without a label file), as YOLO. */
const datasetWithBackground = async () =>
  (
    await writeFixtureDataset(await folders.make(), 'yolo', {
      images: 16,
      background: 8,
      backgroundWithoutLabel: true,
    })
  ).path;

describe('a run on a dataset with background images', () => {
  it('trains a detection head on them with finite losses and mAP, and keeps them in its test detections and gallery', async () => {
    const dataset = await datasetWithBackground();
    const out = join(await folders.make(), 'run');
    const events: TrainingEvent[] = [];
    let gallery: GallerySample[] = [];
    const outcome = await runTraining({
      graph: tinyDetectionGraph(),
      overrides: { dataset, epochs: 2, batchSize: 4, limit: undefined },
      out,
      backend: 'wasm',
      onEvent: (e) => events.push(e),
      onTrained: async ({ model, heads, dataset: data }) => {
        gallery = await buildGallery(model, heads, data, 24);
      },
    });
    expect(outcome.status).toBe('finished');
    const started = events.find((e) => e.type === 'started');
    const sizes = started?.type === 'started' ? started.dataset.sizes : undefined;
    expect((sizes?.train ?? 0) + (sizes?.validation ?? 0) + (sizes?.test ?? 0)).toBe(24);
    expect(started?.type === 'started' && started.dataset.report?.background).toEqual({
      images: 8,
      noLabelFile: 1,
      kept: true,
    });
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(2);
    for (const epoch of epochs) {
      const numbers = numbersIn(epoch);
      expect(numbers.filter(([, v]) => !Number.isFinite(v))).toEqual([]);
      expect(numbers.some(([at]) => at.includes('objects') && at.includes('mAP'))).toBe(true);
    }
    const batches = events.filter((e) => e.type === 'batch');
    expect(batches.every((e) => e.type === 'batch' && Number.isFinite(e.loss))).toBe(true);
    expect(numbersIn(outcome.test).every(([, v]) => Number.isFinite(v))).toBe(true);

    // The test split's truth and detections name every test image, those without objects too.
    const truth = JSON.parse(await readFile(join(out, 'detections-truth.json'), 'utf8')) as {
      images: { id: number }[];
      annotations: { image_id: number }[];
    };
    expect(truth.images).toHaveLength(sizes?.test ?? -1);
    const annotated = new Set(truth.annotations.map((a) => a.image_id));
    expect(truth.images.some((i) => !annotated.has(i.id))).toBe(true);
    expect(Array.isArray(JSON.parse(await readFile(join(out, 'detections.json'), 'utf8')))).toBe(
      true,
    );

    // pycocotools scores the kept files, images without objects among them, as the studio did.
    if (!noPycocotools) {
      const scored = JSON.parse(
        await runPython(
          [PYCOCOTOOLS, join(out, 'detections-truth.json'), join(out, 'detections.json')],
          out,
          {},
          undefined,
          REFERENCE_PYTHON,
        ),
      ) as { stats: number[] };
      const test = outcome.test?.tasks.objects;
      expect(Math.max(0, scored.stats[0]!)).toBeCloseTo(test?.mAP50_95 ?? NaN, 6);
      expect(Math.max(0, scored.stats[1]!)).toBeCloseTo(test?.mAP50 ?? NaN, 6);
    }

    // The gallery shows a background image with no truth box.
    const views = gallery.map((g) => taskSpec('objects').gallery(g.heads[0]!));
    expect(views).toHaveLength(sizes?.validation ?? -1);
    expect(views.some((v) => v.objects?.truth.length === 0)).toBe(true);
  }, 240_000);

  it('leaves them out for a class and box head, and says so', async () => {
    const dataset = await datasetWithBackground();
    const out = join(await folders.make(), 'run');
    const outcome = await runTraining({
      graph: tinyReferenceGraph({ classes: 3 }),
      overrides: { dataset, epochs: 1, batchSize: 4, limit: undefined },
      out,
      backend: 'wasm',
    });
    expect(outcome.status).toBe('finished');
    const report = (await openRunFolder(out)).manifest.dataset.report as DatasetReport;
    expect(report.sizes.train + report.sizes.validation + report.sizes.test).toBe(16);
    expect(report.background).toEqual({ images: 8, noLabelFile: 1, kept: false });
  }, 240_000);
});
