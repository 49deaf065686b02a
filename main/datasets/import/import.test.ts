/**
 * The import pipeline end to end: the same images written in every box format give the same
 * tensors, and a run on an imported dataset learns both tasks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { tinyReferenceGraph } from '../../engine/test-graphs.ts';
import { runTraining } from '../../runs/run-training.ts';
import { openRunFolder } from '../../runs/run-folder.ts';
import type { DatasetSplit, SplitName } from '../types.ts';
import { openImportedDataset } from './index.ts';
import { temporaryFolders, writeFixtureDataset } from './test-fixtures.ts';
import type { ImportFormat } from './types.ts';

const folders = temporaryFolders('studio-import-e2e-');
afterAll(() => folders.cleanup());

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

async function tensorsOf(format: ImportFormat): Promise<Record<SplitName, DatasetSplit>> {
  const fixture = await writeFixtureDataset(await folders.make(), format, { images: 30 });
  const { data } = await openImportedDataset(fixture.path, {
    imageShape: [16, 16, 3],
    seed: 5,
    options: undefined,
  });
  const out = {} as Record<SplitName, DatasetSplit>;
  for (const split of SPLITS) {
    const reader = data.splits[split];
    out[split] = await reader.read(Int32Array.from({ length: reader.size }, (_, i) => i));
  }
  await data.close?.();
  return out;
}

describe('imported datasets', () => {
  it('give identical tensors from CSV, COCO, YOLO and Pascal VOC', async () => {
    const csv = await tensorsOf('csv');
    expect(csv.train.size + csv.validation.size + csv.test.size).toBe(30);
    for (const format of ['coco', 'yolo', 'voc'] as const) {
      const other = await tensorsOf(format);
      for (const split of SPLITS) {
        expect(other[split].size, `${format} ${split}`).toBe(csv[split].size);
        expect(Buffer.from(other[split].images).equals(Buffer.from(csv[split].images))).toBe(true);
        expect(Array.from(other[split].targets.class ?? [])).toEqual(
          Array.from(csv[split].targets.class ?? []),
        );
        const boxes = Array.from(other[split].targets.box ?? []);
        const expected = Array.from(csv[split].targets.box ?? []);
        expect(boxes).toHaveLength(expected.length);
        boxes.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 6));
      }
    }
  });

  it('train a model whose class and box losses both go down', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'csv', {
      images: 96,
      broken: ['missing-file', 'box-clipped'],
    });
    const out = join(await folders.make(), 'run');
    const losses: Record<string, number>[] = [];
    const outcome = await runTraining({
      graph: tinyReferenceGraph({ classes: 3 }),
      overrides: { dataset: fixture.path, epochs: 6, batchSize: 8, limit: undefined },
      out,
      backend: 'wasm',
      onEvent: (e) => {
        if (e.type === 'epoch') {
          losses.push(
            Object.fromEntries(Object.entries(e.train.tasks).map(([k, t]) => [k, t.loss])),
          );
        }
      },
    });
    expect(outcome.status).toBe('finished');
    const [first, last] = [losses[0], losses.at(-1)];
    expect(last?.class).toBeLessThan((first?.class ?? 0) * 0.9);
    expect(last?.box).toBeLessThan(first?.box ?? 0);
    const run = await openRunFolder(out);
    expect(run.manifest.dataset.name).toBe(fixture.path);
    expect(run.manifest.dataset.report).toMatchObject({
      format: 'csv',
      badRows: { 'missing-file': 1, 'box-clipped': 1 },
      dropped: 1,
      fixed: 1,
    });
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.test.samples).toBeGreaterThan(0);
  }, 60_000);

  it('stops before training when the user chose to stop on bad rows', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'csv', {
      images: 12,
      broken: ['not-a-number'],
    });
    await expect(
      openImportedDataset(fixture.path, {
        imageShape: [16, 16, 3],
        seed: 1,
        options: {
          boxUnits: 'auto',
          objectChoice: 'largest',
          resize: 'letterbox',
          validationFraction: 0.1,
          testFraction: 0.1,
          onBadRows: 'stop',
          cache: true,
          augment: { flip: false, shift: 0, scale: 0, brightness: 0, contrast: 0 },
        },
      }),
    ).rejects.toThrow(/^Training did not start because the dataset has 1 bad rows or images/);
  });
});
