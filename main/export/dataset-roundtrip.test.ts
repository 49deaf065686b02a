import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asTrainingData } from '../engine/batches.ts';
import type { TrainingData } from '../datasets/index.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { formatSummary, summarizeDataset } from '../datasets/import/summary.ts';
import { temporaryFolders } from '../datasets/import/test-fixtures.ts';
import { exportDatasetFiles } from './dataset.ts';
import {
  DATASET_ANNOTATIONS,
  DATASET_TARGETS,
  type DatasetExportFormat,
} from './dataset-layout.ts';
import { writeExportFolder } from './index.ts';
import { SPLITS, tensorsOf } from './test-dataset.ts';

const folders = temporaryFolders('studio-dataset-roundtrip-');
afterAll(() => folders.cleanup());

const exported = async (data: TrainingData, format: DatasetExportFormat = 'csv') =>
  writeExportFolder(await folders.make(), await exportDatasetFiles(data, format));

const reopen = (out: string, data: TrainingData, format: DatasetExportFormat = 'csv') =>
  openImportedDataset(format === 'csv' ? `${out}/${DATASET_ANNOTATIONS}` : out, {
    imageShape: data.imageShape,
    seed: 5,
  });

/**
 * Exports `data` and checks the import reads it back to the very same tensors: every target for
 * CSV, those the format holds (`held`) for the others.
 */
async function expectRoundTrip(
  data: TrainingData,
  format: DatasetExportFormat = 'csv',
  held: readonly string[] = data.targets.map((t) => t.name),
) {
  const again = await reopen(await exported(data, format), data, format);
  expect(again.report.dropped).toBe(0);
  expect(again.data.targets).toEqual(data.targets.filter((t) => held.includes(t.name)));
  const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
  for (const split of SPLITS) {
    expect(after[split].size, split).toBe(before[split].size);
    expect(Buffer.from(after[split].images).equals(Buffer.from(before[split].images))).toBe(true);
    expect(Object.keys(after[split].targets)).toEqual(held);
    for (const name of held) {
      const [was, is] = [before[split].targets[name], after[split].targets[name]];
      expect(
        is && was && Buffer.from(is.buffer).equals(Buffer.from(was.buffer)),
        `${split} ${name}`,
      ).toBe(true);
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

/** The built-in scenes: a mask, a depth and a normal map per image, on three splits. */
const scenes = () =>
  asTrainingData(loadBuiltInDataset('scenes', { imageShape: [24, 32, 3], seed: 4, limit: 12 }));

describe('dense targets exported and read back', () => {
  it('CSV: masks as palette PNGs, depth and normals as float32 .npy, to the same bytes', async () => {
    const data = scenes();
    expect(data.targets.map((t) => t.kind)).toEqual(['mask', 'depth', 'normals']);
    const out = await exported(data);
    const [header, first] = (await readFile(join(out, DATASET_ANNOTATIONS), 'utf8')).split('\n');
    expect(header).toBe('path,split,mask,depth,normals');
    expect(first).toBe(
      'images/train/00000.png,train,maps/mask/train/00000.png,maps/depth/train/00000.npy,maps/normals/train/00000.npy',
    );
    await expectRoundTrip(data);
  });

  it('VOC: JPEGImages, SegmentationClass palette PNGs and the Segmentation split lists', async () => {
    const data = scenes();
    const out = await exported(data, 'voc');
    expect((await readdir(out)).sort()).toEqual([
      'ImageSets',
      'JPEGImages',
      'SegmentationClass',
      'classes.txt',
    ]);
    const val = await readFile(join(out, 'ImageSets', 'Segmentation', 'val.txt'), 'utf8');
    expect(val.split('\n').filter(Boolean).length).toBe(data.splits.validation.size);
    await expectRoundTrip(data, 'voc', ['mask']);
  });

  it('VOC refuses a dataset without a mask or boxes in one sentence', async () => {
    await expect(exportDatasetFiles(multidigits(), 'voc')).rejects.toThrow(
      "The dataset 'multidigits' has no mask target, no objects target and no class with a box target, and a VOC dataset is masks or classes with boxes; export it as csv.",
    );
  });
});
