import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { OBJECT_ROWS_SIZE, readObjectRows } from '../../core/detection/object-rows.ts';
import type { DatasetSplit, SplitName, TrainingData } from '../datasets/index.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { temporaryFolders, writeFixtureDataset } from '../datasets/import/test-fixtures.ts';
import { exportDatasetFiles } from './dataset.ts';
import { writeExportFolder } from './index.ts';

const folders = temporaryFolders('studio-dataset-objects-');
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

/** Each image's objects, boxes to float32's precision at this size, per split. */
const objectsOf = (split: DatasetSplit) =>
  Array.from({ length: split.size }, (_, i) =>
    readObjectRows(split.targets.objects!, i * OBJECT_ROWS_SIZE).map((o) => ({
      ...o,
      box: o.box.map((v) => Math.round(v * 48 * 1000) / 1000),
    })),
  );

describe('dataset export of every object', () => {
  it('writes every object and crowd to COCO with its split, and the import reads the same dataset back', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'coco', {
      multiObject: true,
    });
    // The second, small object of each two-object image becomes a crowd.
    const json = JSON.parse(await readFile(fixture.path, 'utf8')) as {
      annotations: { image_id: number; iscrowd?: number }[];
    };
    const seen = new Set<number>();
    for (const a of json.annotations) {
      if (seen.has(a.image_id)) a.iscrowd = 1;
      seen.add(a.image_id);
    }
    await writeFile(fixture.path, JSON.stringify(json));
    const options = { imageShape: [40, 48, 3] as const, seed: 5 };
    const { data } = await openImportedDataset(fixture.path, options);

    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(data, 'coco'),
    );
    const written = JSON.parse(await readFile(`${out}/annotations.json`, 'utf8')) as {
      images: { split: string }[];
      annotations: { iscrowd: number }[];
    };
    expect(written.annotations).toHaveLength(30);
    expect(written.annotations.filter((a) => a.iscrowd === 1)).toHaveLength(6);

    const again = await openImportedDataset(`${out}/annotations.json`, options);
    expect(again.report).toMatchObject({ format: 'coco', dropped: 0, splitFrom: 'data' });
    expect(again.data.targets).toEqual(data.targets);
    const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
    for (const split of SPLITS) {
      expect(after[split].size, split).toBe(before[split].size);
      expect(Buffer.from(after[split].images).equals(Buffer.from(before[split].images))).toBe(true);
      expect(Array.from(after[split].targets.class!)).toEqual(
        Array.from(before[split].targets.class!),
      );
      expect(objectsOf(after[split]), split).toEqual(objectsOf(before[split]));
    }
    const ignored = SPLITS.flatMap((s) => objectsOf(after[s]).flat()).filter((o) => o.ignore);
    expect(ignored).toHaveLength(6);
    await data.close?.();
    await again.data.close?.();
  });
});
