import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GallerySample } from '../../core/contract/host.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import { taskSpec } from '../../core/tasks/registry.ts';
import { REFERENCE_PYTHON, referenceMissing, runPython } from '../export/test-python.ts';
import { buildGallery } from '../processes/gallery.ts';
import { runTraining } from './run-training.ts';

const EXAMPLES = join(import.meta.dirname, '../../assets/examples');
const PYCOCOTOOLS = join(import.meta.dirname, '../cli/pycocotools-eval.py');

async function template(name: string) {
  const loaded = loadGraphDocument(await readFile(join(EXAMPLES, `${name}.graph.json`), 'utf8'));
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.document;
}

describe('the digits-scenes templates', () => {
  it('detect at stride 8 of the 96×96 image, alone and beside a count head', async () => {
    const alone = analyzeGraph(await template('digits-scenes-detect'));
    expect(alone.problems).toEqual([]);
    expect(alone.heads.map((h) => [h.task, h.shape, h.truthUnits])).toEqual([
      ['objects', [12, 12, 14], 600],
    ]);
    const both = analyzeGraph(await template('digits-scenes-multitask'));
    expect(both.problems).toEqual([]);
    expect(both.heads.map((h) => [h.task, h.targetKind])).toEqual([
      ['objects', 'objects'],
      ['count', 'class'],
    ]);
  });

  const missing = referenceMissing('pycocotools');
  it.skipIf(missing)(
    `keep the test detections, which pycocotools scores as the studio did${missing ? ` (${missing})` : ''}`,
    async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'mts-detect-')), 'run');
      let gallery: GallerySample[] = [];
      const outcome = await runTraining({
        graph: await template('digits-scenes-multitask'),
        overrides: { epochs: 1, limit: 40, batchSize: 16 },
        out,
        backend: 'wasm',
        onTrained: async ({ model, heads, dataset }) => {
          gallery = await buildGallery(model, heads, dataset, 2);
        },
      });
      expect(outcome.status).toBe('finished');
      const test = outcome.test?.tasks.objects;
      const scored = JSON.parse(
        await runPython(
          [PYCOCOTOOLS, join(out, 'detections-truth.json'), join(out, 'detections.json')],
          out,
          {},
          undefined,
          REFERENCE_PYTHON,
        ),
      ) as { stats: number[] };
      expect(scored.stats[0]).toBeCloseTo(test?.mAP50_95 ?? NaN, 6);
      expect(scored.stats[1]).toBeCloseTo(test?.mAP50 ?? NaN, 6);
      // The run's summary for the app: the twelve numbers, AP per class and PR curves at IoU 0.5.
      const [summary] = outcome.detection ?? [];
      expect(summary?.task).toBe('objects');
      summary?.stats.forEach((v, i) => expect(v, `stat ${i}`).toBeCloseTo(scored.stats[i]!, 6));
      expect(summary?.perClass.map((c) => c.name)).toEqual([...'0123456789']);
      expect(summary?.curves.every((c) => c.recall.length === 101)).toBe(true);
      const truth = JSON.parse(await readFile(join(out, 'detections-truth.json'), 'utf8')) as {
        images: { width: number; height: number }[];
        categories: { id: number; name: string }[];
      };
      expect(truth.images).toHaveLength(4);
      expect(truth.images[0]).toMatchObject({ width: 96, height: 96 });
      expect(truth.categories.map((c) => c.name)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      // The gallery draws every truth box and what the head found.
      const head = gallery[0]?.heads.find((h) => h.task === 'objects');
      expect(head?.shape).toEqual([12, 12, 14]);
      const view = taskSpec('objects').gallery(head!);
      expect(view.objects?.truth.length).toBeGreaterThan(0);
      expect(view.objects?.threshold).toBe(0.3);
    },
    240_000,
  );
});
