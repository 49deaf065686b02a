import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetSplit, SplitName, TrainingData } from '../datasets/index.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { temporaryFolders, writeFixtureDataset } from '../datasets/import/test-fixtures.ts';
import { exportDatasetFiles } from './dataset.ts';
import { DATASET_ANNOTATIONS } from './dataset-layout.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { asTrainingData } from '../engine/batches.ts';
import { writeExportFolder } from './index.ts';

const folders = temporaryFolders('studio-dataset-export-');
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

const open = (path: string) => openImportedDataset(path, { imageShape: [16, 16, 3], seed: 5 });

describe('dataset export', () => {
  it('exports an imported dataset (after its check) that re-imports to identical tensors', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'csv', {
      images: 30,
      values: true,
      broken: ['missing-file'],
    });
    const { data, report } = await open(fixture.path);
    expect(report.dropped).toBe(1);
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(data, 'csv'),
    );
    const again = await open(`${out}/${DATASET_ANNOTATIONS}`);
    expect(again.report.dropped).toBe(0);
    expect(again.data.targets).toEqual(data.targets);
    const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
    for (const split of SPLITS) {
      expect(after[split].size, split).toBe(before[split].size);
      expect(Buffer.from(after[split].images).equals(Buffer.from(before[split].images))).toBe(true);
      for (const [name, values] of Object.entries(before[split].targets)) {
        expect(Array.from(after[split].targets[name]!), `${split} ${name}`).toEqual(
          Array.from(values),
        );
      }
    }
    await data.close?.();
    await again.data.close?.();
  });

  it('exports classes with boxes as YOLO, which the YOLO import reads back', async () => {
    const shapes = asTrainingData(
      loadBuiltInDataset('shapes', { imageShape: [16, 16, 3], seed: 2, limit: 40 }),
    );
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(shapes, 'yolo'),
    );
    const again = await open(out);
    expect(again.report.format).toBe('yolo');
    expect(again.report.dropped).toBe(0);
    const [before, after] = [await tensorsOf(shapes), await tensorsOf(again.data)];
    for (const split of SPLITS) {
      expect(after[split].size, split).toBe(before[split].size);
      expect(Buffer.from(after[split].images).equals(Buffer.from(before[split].images))).toBe(true);
      expect(Array.from(after[split].targets.class!)).toEqual(
        Array.from(before[split].targets.class!),
      );
      const boxes = Array.from(after[split].targets.box!);
      Array.from(before[split].targets.box!).forEach((v, i) => expect(boxes[i]).toBeCloseTo(v, 5));
    }
    await again.data.close?.();
  });

  it('exports classes with boxes as COCO, which the COCO import reads back', async () => {
    const shapes = asTrainingData(
      loadBuiltInDataset('shapes', { imageShape: [16, 16, 3], seed: 2, limit: 40 }),
    );
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(shapes, 'coco'),
    );
    const again = await open(`${out}/annotations.json`);
    expect(again.report).toMatchObject({ format: 'coco', dropped: 0 });
    const before = await tensorsOf(shapes);
    const after = await tensorsOf(again.data);
    const total = (t: typeof before) => SPLITS.reduce((n, s) => n + t[s].size, 0);
    expect(total(after)).toBe(total(before));
    expect(again.data.targets.find((t) => t.kind === 'class')).toEqual(
      shapes.targets.find((t) => t.kind === 'class'),
    );
    await again.data.close?.();
  });
});
