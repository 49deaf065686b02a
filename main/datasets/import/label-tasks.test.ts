import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetOptionsSchema } from '../../../core/graph/schema.ts';
import { exportDatasetFiles } from '../../export/dataset.ts';
import { DATASET_ANNOTATIONS } from '../../export/dataset-layout.ts';
import { writeExportFolder } from '../../export/index.ts';
import type { DatasetSplit, SplitName, TrainingData } from '../types.ts';
import { openImportedDataset } from './index.ts';
import { formatSummary, summarizeDataset } from './summary.ts';
import { temporaryFolders } from './test-fixtures.ts';

const folders = temporaryFolders('studio-label-tasks-');
afterAll(() => folders.cleanup());

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];
const ATTRIBUTES = ['smiling', 'glasses', 'hat', 'beard', 'young', 'bald'];
const COLOURS = ['red', 'green', 'blue'];
const STYLES = ['plain', 'fancy'];

/** 24 images with three label columns (class, colour, style) and six 0/1 attribute columns. */
async function writeLabelTasksCsv(folder: string): Promise<string> {
  const lines = [['path', 'class', 'colour', 'style', ...ATTRIBUTES].join(',')];
  for (let i = 0; i < 24; i++) {
    const name = `img${i}.png`;
    await sharp(Buffer.alloc(16 * 16 * 3, (i * 37) % 256), {
      raw: { width: 16, height: 16, channels: 3 },
    })
      .png()
      .toFile(join(folder, name));
    const bits = ATTRIBUTES.map((_, k) => String((i >> k) & 1));
    lines.push(
      [name, i % 2 ? 'cat' : 'dog', COLOURS[i % 3], STYLES[i % 2 ? 0 : 1], ...bits].join(','),
    );
  }
  const path = join(folder, 'labels.csv');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

async function tensorsOf(data: TrainingData): Promise<Record<SplitName, DatasetSplit>> {
  const out = {} as Record<SplitName, DatasetSplit>;
  for (const split of SPLITS) {
    const reader = data.splits[split];
    out[split] = await reader.read(Int32Array.from({ length: reader.size }, (_, i) => i));
  }
  return out;
}

const open = (path: string) =>
  openImportedDataset(path, {
    imageShape: [16, 16, 3],
    seed: 5,
    options: datasetOptionsSchema.parse({ attributes: ATTRIBUTES.join(', ') }),
  });

describe('a CSV with several label columns and attributes', () => {
  it('imports as one task per label column and one attributes task, each reported per split', async () => {
    const path = await writeLabelTasksCsv(await folders.make());
    const { data, checked } = await open(path);
    expect(data.targets).toEqual([
      { name: 'class', kind: 'class', classes: ['cat', 'dog'] },
      { name: 'colour', kind: 'class', classes: ['blue', 'green', 'red'] },
      { name: 'style', kind: 'class', classes: ['fancy', 'plain'] },
      { name: 'attributes', kind: 'attributes', attributes: ATTRIBUTES },
    ]);
    const summary = summarizeDataset(checked);
    expect(summary.tasks.map((t) => [t.task, t.classes.map((c) => c.total)])).toEqual([
      ['colour', [8, 8, 8]],
      ['style', [12, 12]],
      ['attributes', [12, 12, 12, 8, 8, 0]],
    ]);
    const text = formatSummary(summary);
    expect(text).toMatch(/colour\s+train\s+validation\s+test\s+total\nblue\s+\d+\s+\d+\s+\d+\s+8/);
    expect(text).toContain('attributes (attributes, images on)');
    // Each sample's tensors are the row's: the colour's index and the six bits.
    const all = await tensorsOf(data);
    const { train } = all;
    expect(train.targets.attributes).toBeInstanceOf(Float32Array);
    expect(train.targets.attributes!.length).toBe(train.size * 6);
    expect(train.targets.colour).toBeInstanceOf(Int32Array);
    const total = SPLITS.reduce(
      (n, s) => n + Array.from(all[s].targets.attributes!).reduce((a, b) => a + b, 0),
      0,
    );
    expect(total).toBe(52);
    await data.close?.();
  });

  it('exports as CSV and re-imports to identical tensors', async () => {
    const path = await writeLabelTasksCsv(await folders.make());
    const { data } = await open(path);
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(data, 'csv'),
    );
    const again = await open(`${out}/${DATASET_ANNOTATIONS}`);
    expect(again.data.targets).toEqual(data.targets);
    const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
    for (const split of SPLITS) {
      expect(after[split].size, split).toBe(before[split].size);
      for (const [name, values] of Object.entries(before[split].targets)) {
        expect(Array.from(after[split].targets[name]!), `${split} ${name}`).toEqual(
          Array.from(values),
        );
      }
    }
    await data.close?.();
    await again.data.close?.();
  });
});
