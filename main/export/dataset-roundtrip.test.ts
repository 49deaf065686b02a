import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asTrainingData } from '../engine/batches.ts';
import type { DatasetSplit, SplitName, TrainingData } from '../datasets/index.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { formatSummary, summarizeDataset } from '../datasets/import/summary.ts';
import { temporaryFolders } from '../datasets/import/test-fixtures.ts';
import { exportDatasetFiles } from './dataset.ts';
import { DATASET_ANNOTATIONS, DATASET_TARGETS } from './dataset-layout.ts';
import { writeExportFolder } from './index.ts';

const folders = temporaryFolders('studio-dataset-roundtrip-');
afterAll(() => folders.cleanup());

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

async function tensorsOf(data: TrainingData): Promise<Record<SplitName, DatasetSplit>> {
  const out = {} as Record<SplitName, DatasetSplit>;
  for (const split of SPLITS) {
    const reader = data.splits[split];
    out[split] = await reader.read(Int32Array.from({ length: reader.size }, (_, i) => i));
  }
  return out;
}

const exported = async (data: TrainingData) =>
  writeExportFolder(await folders.make(), await exportDatasetFiles(data, 'csv'));

const reopen = (out: string, data: TrainingData) =>
  openImportedDataset(`${out}/${DATASET_ANNOTATIONS}`, { imageShape: data.imageShape, seed: 5 });

/** Exports `data` as CSV and checks the import reads it back to the very same tensors. */
async function expectRoundTrip(data: TrainingData) {
  const again = await reopen(await exported(data), data);
  expect(again.report.dropped).toBe(0);
  expect(again.data.targets).toEqual(data.targets);
  const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
  for (const split of SPLITS) {
    expect(after[split].size, split).toBe(before[split].size);
    expect(Buffer.from(after[split].images).equals(Buffer.from(before[split].images))).toBe(true);
    expect(Object.keys(after[split].targets)).toEqual(Object.keys(before[split].targets));
    for (const [name, values] of Object.entries(before[split].targets)) {
      expect(after[split].targets[name], `${split} ${name}`).toEqual(values);
    }
  }
  await again.data.close?.();
  return again;
}

const multidigits = () =>
  asTrainingData(
    loadBuiltInDataset('multidigits', { imageShape: [32, 32, 3], seed: 3, limit: 12 }),
  );

/** Shapes whose class names are numbers, in an order that sorting would change. */
function numberedShapes(): TrainingData {
  const shapes = asTrainingData(
    loadBuiltInDataset('shapes', { imageShape: [16, 16, 3], seed: 2, limit: 30 }),
  );
  return {
    ...shapes,
    targets: shapes.targets.map((t) =>
      t.kind === 'class' ? { ...t, classes: t.classes.map((_, i) => String(10 - i * 3)) } : t,
    ),
  };
}

describe('CSV export read back through its targets.json', () => {
  it('reads multidigits back: two class targets, left and right, with digits for class names', async () => {
    const again = await expectRoundTrip(multidigits());
    const text = formatSummary(summarizeDataset(again.checked));
    expect(text).toMatch(/^left\s+train/m);
    expect(text).toMatch(/^right\s+train/m);
    expect(text).not.toMatch(/^Class\s/m);
  });

  it('reads class names that are numbers back in their own order, not as values', async () => {
    const data = numberedShapes();
    expect(data.targets.find((t) => t.kind === 'class')).toMatchObject({
      classes: ['10', '7', '4', '1', '-2'],
    });
    await expectRoundTrip(data);
  });

  it('refuses a targets.json that names a column the CSV lacks, or is malformed, in one sentence', async () => {
    const data = multidigits();
    const out = await exported(data);
    const path = join(out, DATASET_TARGETS);
    const json = JSON.parse(await readFile(path, 'utf8')) as { targets: { name: string }[] };
    json.targets[1]!.name = 'middle';
    await writeFile(path, JSON.stringify(json));
    await expect(reopen(out, data)).rejects.toThrow(
      "targets.json gives the target 'middle' the column 'middle', which annotations.csv does not have (its columns are 'path', 'split', 'left', 'right'); fix or remove targets.json.",
    );
    await writeFile(path, '{"targets": [{"name": "left", "kind": "class"}]}');
    await expect(reopen(out, data)).rejects.toThrow(
      /^targets\.json beside annotations\.csv is not a dataset export's list of targets \(targets\[0\]/,
    );
    await writeFile(path, '{"targets": [');
    await expect(reopen(out, data)).rejects.toThrow(
      /^targets\.json beside annotations\.csv is not valid JSON: /,
    );
  });

  it('drops a row whose class is not one targets.json lists, naming the cell and the column', async () => {
    const data = multidigits();
    const out = await exported(data);
    const csv = join(out, DATASET_ANNOTATIONS);
    const lines = (await readFile(csv, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace(/,\d+,(\d+)$/, ',11,$1');
    await writeFile(csv, lines.join('\n'));
    const again = await reopen(out, data);
    expect(again.report.dropped).toBe(1);
    expect(again.checked.badRows[0]?.message).toBe(
      "Row 2 of annotations.csv has '11' in column 'left', which is not one of the 10 classes targets.json lists for it; the row was skipped.",
    );
    await again.data.close?.();
  });

  it('without targets.json guesses the tasks from the columns as before', async () => {
    const data = numberedShapes();
    const out = await exported(data);
    await rm(join(out, DATASET_TARGETS));
    const again = await reopen(out, data);
    expect(again.data.targets.find((t) => t.name === 'class')).toMatchObject({
      classes: ['-2', '1', '10', '4', '7'],
    });
    await again.data.close?.();
  });
});
