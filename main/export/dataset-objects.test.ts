import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { SPLITS, tensorsOf } from './test-dataset.ts';
import { OBJECT_ROWS_SIZE, readObjectRows } from '../../core/detection/object-rows.ts';
import type { DatasetSplit, SplitName, TrainingData } from '../datasets/index.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { asTrainingData } from '../engine/batches.ts';
import { DATASET_ANNOTATIONS } from './dataset-layout.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { temporaryFolders, writeFixtureDataset } from '../datasets/import/test-fixtures.ts';
import { exportDatasetFiles } from './dataset.ts';
import { writeExportFolder } from './index.ts';
import { TRAIN_PY } from './pytorch-train.ts';
import { TRAIN_TASKS_PY } from './python-tasks.ts';
import { pythonHas, runPython } from './test-python.ts';

const folders = temporaryFolders('studio-dataset-objects-');
afterAll(() => folders.cleanup());

/** Each image's objects, boxes to float32's precision at this size, per split. */
const objectsOf = (split: DatasetSplit, target = 'objects') =>
  Array.from({ length: split.size }, (_, i) =>
    readObjectRows(split.targets[target]!, i * OBJECT_ROWS_SIZE).map((o) => ({
      ...o,
      box: o.box.map((v) => Math.round(v * 48 * 1000) / 1000),
    })),
  );

/** The COCO fixture (some images with a second, small object at the image's edge), imported. */
async function cocoFixture(crowds: boolean) {
  const fixture = await writeFixtureDataset(await folders.make(), 'coco', { multiObject: true });
  if (crowds) {
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
  }
  return (await openImportedDataset(fixture.path, OPTIONS)).data;
}

const OPTIONS = { imageShape: [40, 48, 3] as const, seed: 5 };

const shapesScenes = () =>
  asTrainingData(loadBuiltInDataset('shapes-scenes', { ...OPTIONS, limit: 40 }));

/** Exports `data` and imports what was written, with nothing reported on the way back. */
async function roundTrip(data: TrainingData, format: 'csv' | 'yolo') {
  const out = await writeExportFolder(await folders.make(), await exportDatasetFiles(data, format));
  const again = await openImportedDataset(
    format === 'csv' ? join(out, DATASET_ANNOTATIONS) : out,
    OPTIONS,
  );
  expect(again.checked.badRows.map((r) => r.message)).toEqual([]);
  return { out, again: again.data };
}

/** The same images and, per target named in `names` (before: after), the very same values. */
async function expectSame(
  before: TrainingData,
  after: TrainingData,
  names: Readonly<Record<string, string>>,
) {
  const [a, b] = [await tensorsOf(before), await tensorsOf(after)];
  for (const split of SPLITS) {
    expect(b[split].size, split).toBe(a[split].size);
    expect(Buffer.from(b[split].images).equals(Buffer.from(a[split].images))).toBe(true);
    for (const [from, to] of Object.entries(names)) {
      expect(b[split].targets[to], `${split} ${to}`).toEqual(a[split].targets[from]);
    }
  }
}

describe('dataset export of every object', () => {
  it('writes every object and crowd to COCO with its split, and the import reads the same dataset back', async () => {
    const data = await cocoFixture(true);

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

    const again = await openImportedDataset(`${out}/annotations.json`, OPTIONS);
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

describe('YOLO dataset export of every object', () => {
  it('writes data.yaml and a line per object, which the YOLO import reads back to the same boxes, bit for bit', async () => {
    const data = shapesScenes();
    const { out, again } = await roundTrip(data, 'yolo');
    const yaml = parseYaml(await readFile(join(out, 'data.yaml'), 'utf8')) as unknown;
    expect(yaml).toEqual({
      train: 'images/train',
      val: 'images/val',
      test: 'images/test',
      nc: 5,
      names: ['circle', 'square', 'triangle', 'cross', 'ring'],
    });
    expect(await readdir(join(out, 'labels'))).toEqual(['test', 'train', 'val']);
    const label = await readFile(join(out, 'labels/train/00000.txt'), 'utf8');
    expect(label).toMatch(/^(\d [0-9.e-]+ [0-9.e-]+ [0-9.e-]+ [0-9.e-]+\n)+$/);
    expect(again.targets.find((t) => t.kind === 'objects')).toEqual({
      name: 'objects',
      kind: 'objects',
      classes: ['circle', 'square', 'triangle', 'cross', 'ring'],
    });
    await expectSame(data, again, { shapes: 'objects' });
    await again.close?.();
  });

  it('keeps a box drawn to the image’s edge on it, unflagged, and leaves ignored objects out', async () => {
    const plain = await cocoFixture(false);
    const edges = (await tensorsOf(plain)).train;
    const touching = objectsOf(edges)
      .flat()
      .filter((o) => o.box[1] === 0 || o.box[2] === 48);
    expect(touching.length).toBeGreaterThan(0);
    const { again } = await roundTrip(plain, 'yolo');
    await expectSame(plain, again, { class: 'class', box: 'box', objects: 'objects' });
    await again.close?.();

    const crowded = await cocoFixture(true);
    const back = await roundTrip(crowded, 'yolo');
    const [before, after] = [await tensorsOf(crowded), await tensorsOf(back.again)];
    for (const split of SPLITS) {
      const kept = objectsOf(before[split]).map((rows) => rows.filter((o) => !o.ignore));
      expect(objectsOf(after[split]), split).toEqual(kept);
    }
    await back.again.close?.();
    await plain.close?.();
    await crowded.close?.();
  });
});

describe('CSV dataset export of every object', () => {
  it('writes a row per object, which the CSV import groups by image into the same objects and count', async () => {
    const data = shapesScenes();
    const { out, again } = await roundTrip(data, 'csv');
    const lines = (await readFile(join(out, DATASET_ANNOTATIONS), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('path,split,class,xmin,ymin,xmax,ymax,ignore,count');
    const before = await tensorsOf(data);
    const objects = SPLITS.reduce((n, s) => n + objectsOf(before[s], 'shapes').flat().length, 0);
    expect(lines).toHaveLength(1 + objects);
    expect(again.targets).toEqual(data.targets);
    await expectSame(data, again, { shapes: 'shapes', count: 'count' });
    await again.close?.();
  });

  it('keeps crowds as ignore 1 and reads the class and box of an imported dataset back', async () => {
    const data = await cocoFixture(true);
    const { out, again } = await roundTrip(data, 'csv');
    const text = await readFile(join(out, DATASET_ANNOTATIONS), 'utf8');
    expect(text.split('\n')[0]).toBe('path,split,class,xmin,ymin,xmax,ymax,ignore');
    expect(text.match(/,1\n/g)).toHaveLength(6);
    expect(again.targets).toEqual(data.targets);
    await expectSame(data, again, { class: 'class', box: 'box', objects: 'objects' });
    await again.close?.();
    await data.close?.();
  });
});

/** train.py's own reading of a split (read_split and the target readers), without its model. */
const READ_SPLITS = `import ast, csv, json, os, re, sys
from PIL import Image
import numpy as np
import torch
import torch.nn.functional as F
EPSILON = 1e-7
wanted = {"cell", "ImageRow", "chosen_object", "read_split"}
body = [n for n in ast.parse(open("train.py").read()).body if getattr(n, "name", "") in wanted]
exec(compile(ast.Module(body, []), "train.py", "exec"))
exec(open("tasks.py").read())
targets = {t["name"]: t for t in json.load(open("targets.json"))["targets"]}
spec = {"inputShape": json.loads(sys.argv[1]), "heads": [{"task": n, "target": n} for n in targets]}
out = {}
for split in ("train", "validation", "test"):
    _, ys = read_split(".", split, spec)
    out[split] = {n: (y.argmax(-1) if targets[n]["kind"] == "class" else y.flatten()).tolist() for n, y in zip(targets, ys)}
print(json.dumps(out))
`;

describe.skipIf(!pythonHas('torch', 'numpy'))("the exported projects' train.py", () => {
  it('reads a row per object back as the studio holds the objects, class, box and count', async () => {
    for (const data of [shapesScenes(), await cocoFixture(true)]) {
      const out = await writeExportFolder(
        await folders.make(),
        await exportDatasetFiles(data, 'csv'),
      );
      await writeFile(join(out, 'train.py'), TRAIN_PY);
      await writeFile(join(out, 'tasks.py'), TRAIN_TASKS_PY);
      const read = JSON.parse(
        await runPython(['-c', READ_SPLITS, JSON.stringify(data.imageShape)], out),
      ) as Record<SplitName, Record<string, number[]>>;
      const studio = await tensorsOf(data);
      for (const split of SPLITS) {
        for (const t of data.targets) {
          expect(read[split][t.name], `${data.name} ${split} ${t.name}`).toEqual(
            Array.from(studio[split].targets[t.name]!),
          );
        }
      }
      await data.close?.();
    }
  });
});
