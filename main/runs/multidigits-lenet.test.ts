import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GallerySample } from '../../core/contract/host.ts';
import { buildGallery } from '../processes/gallery.ts';
import { runTraining } from './run-training.ts';

const TEMPLATE = join(import.meta.dirname, '../../assets/examples/multidigits-lenet.graph.json');

async function template() {
  const loaded = loadGraphDocument(await readFile(TEMPLATE, 'utf8'));
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.document;
}

describe('the MultiLeNet template on multidigits', () => {
  it("is the paper's MultiLeNet: a LeNet trunk and two heads of 10 digits", async () => {
    const analysis = analyzeGraph(await template());
    expect(analysis.problems).toEqual([]);
    expect(analysis.heads.map((h) => [h.task, h.target, h.units])).toEqual([
      ['left', 'left', 10],
      ['right', 'right', 10],
    ]);
    // PyTorch's MultiLeNetR + two MultiLeNetO (Sener & Koltun's code) count the same.
    expect(analysis.totalParams).toEqual({ trainable: 27_450, nonTrainable: 0 });
  });

  it('trains a step on a tiny split and evaluates and shows both digits', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'mts-multidigits-')), 'run');
    let gallery: GallerySample[] = [];
    const outcome = await runTraining({
      graph: await template(),
      overrides: { epochs: 1, limit: 30, batchSize: 24 },
      out,
      backend: 'wasm',
      onTrained: async ({ model, heads, dataset }) => {
        gallery = await buildGallery(model, heads, dataset);
      },
    });
    expect(outcome.status).toBe('finished');
    expect(outcome.manifest.dataset).toMatchObject({
      name: 'multidigits',
      imageShape: [28, 28, 1],
      sizes: { train: 24, validation: 3, test: 3 },
    });
    expect(outcome.result.history).toHaveLength(1);
    for (const task of ['left', 'right']) {
      const accuracy = outcome.test?.tasks[task]?.accuracy;
      expect(accuracy, task).toBeGreaterThanOrEqual(0);
      expect(accuracy, task).toBeLessThanOrEqual(1);
    }
    expect(gallery).toHaveLength(3);
    expect(gallery[0]?.heads.map((h) => [h.task, h.classes?.length, h.prediction.length])).toEqual([
      ['left', 10, 10],
      ['right', 10, 10],
    ]);
  });
});
