/**
 * Background images (no objects) through a dataset export and back: COCO writes the image entry
 * without annotations, YOLO an empty label file, CSV a row with a blank class and box, and the
 * import reads each back to the same images and the same objects, bit for bit.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SPLITS, tensorsOf } from './test-dataset.ts';
import type { DatasetSplit, SplitName, TrainingData } from '../datasets/index.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { temporaryFolders, writeFixtureDataset } from '../datasets/import/test-fixtures.ts';
import type { ImportFormat } from '../datasets/import/types.ts';
import { exportDatasetFiles } from './dataset.ts';
import { DATASET_ANNOTATIONS, type DatasetExportFormat } from './dataset-layout.ts';
import { writeExportFolder } from './index.ts';
import { TRAIN_PY } from './pytorch-train.ts';
import { TRAIN_TASKS_PY } from './python-tasks.ts';
import { pythonHas, runPython } from './test-python.ts';

const folders = temporaryFolders('studio-dataset-background-');
afterAll(() => folders.cleanup());

const OPTIONS = { imageShape: [40, 48, 3] as const, seed: 5 };

/** A fixture of 12 images with objects and 3 without, in `format`, imported. */
async function withBackground(format: ImportFormat, crowdOnly = false) {
  const fixture = await writeFixtureDataset(await folders.make(), format, {
    images: 12,
    background: 3,
    multiObject: true,
  });
  if (crowdOnly) {
    // bg_001.png gets one object, a crowd: a background image with an ignored object.
    const json = JSON.parse(await readFile(fixture.path, 'utf8')) as {
      images: { id: number; file_name: string }[];
      annotations: Record<string, unknown>[];
    };
    json.annotations.push({
      id: 999,
      image_id: json.images.find((i) => i.file_name === 'bg_001.png')!.id,
      category_id: 2,
      bbox: [2, 2, 10, 8],
      iscrowd: 1,
    });
    await writeFile(fixture.path, JSON.stringify(json));
  }
  const opened = await openImportedDataset(fixture.path, OPTIONS);
  expect(opened.checked.badRows).toEqual([]);
  return opened;
}

/** Exports, imports what was written, and checks images, class, box and objects bit for bit. */
async function roundTrip(data: TrainingData, format: DatasetExportFormat) {
  const out = await writeExportFolder(await folders.make(), await exportDatasetFiles(data, format));
  const again = await openImportedDataset(
    format === 'csv'
      ? join(out, DATASET_ANNOTATIONS)
      : format === 'coco'
        ? join(out, 'annotations.json')
        : out,
    OPTIONS,
  );
  expect(
    again.checked.badRows.map((r) => r.message),
    format,
  ).toEqual([]);
  expect(again.report.background?.images, format).toBeGreaterThanOrEqual(3);
  const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
  for (const split of SPLITS) {
    expect(after[split].size, `${format} ${split}`).toBe(before[split].size);
    expect(Buffer.from(after[split].images).equals(Buffer.from(before[split].images))).toBe(true);
    for (const name of ['class', 'box', 'objects']) {
      const [was, is] = [before[split].targets[name]!, after[split].targets[name]!];
      expect(
        Buffer.from(is.buffer, is.byteOffset, is.byteLength).equals(
          Buffer.from(was.buffer, was.byteOffset, was.byteLength),
        ),
        `${format} ${split} ${name}`,
      ).toBe(true);
    }
  }
  await again.data.close?.();
  return out;
}

const count = (data: Record<SplitName, DatasetSplit>, test: (c: number) => boolean) =>
  SPLITS.reduce((n, s) => n + Array.from(data[s].targets.class!).filter(test).length, 0);

describe('dataset export of background images', () => {
  it('keeps them from every box format through COCO, YOLO and CSV, objects bit for bit', async () => {
    for (const from of ['coco', 'yolo', 'voc', 'csv'] as const) {
      const { data } = await withBackground(from);
      const tensors = await tensorsOf(data);
      expect(
        count(tensors, () => true),
        from,
      ).toBe(15);
      expect(
        count(tensors, (c) => c < 0),
        from,
      ).toBe(3);
      for (const format of ['coco', 'yolo', 'csv'] as const) await roundTrip(data, format);
      await data.close?.();
    }
  });

  it('writes what each format says for an image without objects', async () => {
    const { data } = await withBackground('coco');
    const coco = await roundTrip(data, 'coco');
    const json = JSON.parse(await readFile(join(coco, 'annotations.json'), 'utf8')) as {
      images: { id: number }[];
      annotations: { image_id: number }[];
    };
    expect(json.images).toHaveLength(15);
    const annotated = new Set(json.annotations.map((a) => a.image_id));
    expect(json.images.filter((i) => !annotated.has(i.id))).toHaveLength(3);

    const yolo = await roundTrip(data, 'yolo');
    const labels = await Promise.all(
      (['train', 'val', 'test'] as const).flatMap(async (split) => {
        const dir = join(yolo, 'labels', split);
        const names = await readdir(dir).catch(() => []);
        return Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
      }),
    );
    expect(labels.flat()).toHaveLength(15);
    expect(labels.flat().filter((text) => text === '')).toHaveLength(3);

    const csv = await roundTrip(data, 'csv');
    const lines = (await readFile(join(csv, DATASET_ANNOTATIONS), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('path,split,class,xmin,ymin,xmax,ymax,ignore');
    expect(lines.filter((l) => l.endsWith(',,,,,,'))).toHaveLength(3);
    await data.close?.();
  });

  it('keeps a COCO image whose one object is a crowd, through COCO and CSV', async () => {
    const { data, report } = await withBackground('coco', true);
    expect(report.background).toEqual({ images: 3, noLabelFile: 0, kept: true });
    for (const format of ['coco', 'csv'] as const) await roundTrip(data, format);
    await data.close?.();
  });
});

/** train.py's own reading of each split for heads on the named targets: sizes and targets. */
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
names = json.loads(sys.argv[2])
spec = {"inputShape": json.loads(sys.argv[1]), "heads": [{"task": n, "target": n} for n in names]}
out = {}
for split in ("train", "validation", "test"):
    images, ys = read_split(".", split, spec)
    out[split] = {"size": len(images), **{n: (y.argmax(-1) if n == "class" else y.flatten()).tolist() for n, y in zip(names, ys)}}
print(json.dumps(out))
`;

describe.skipIf(!pythonHas('torch', 'numpy'))("the exported projects' train.py", () => {
  it('reads background images for a detection head and leaves them out for a class or box head', async () => {
    const { data } = await withBackground('coco');
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(data, 'csv'),
    );
    await writeFile(join(out, 'train.py'), TRAIN_PY);
    await writeFile(join(out, 'tasks.py'), TRAIN_TASKS_PY);
    const read = async (names: readonly string[]) =>
      JSON.parse(
        await runPython(
          ['-c', READ_SPLITS, JSON.stringify(data.imageShape), JSON.stringify(names)],
          out,
        ),
      ) as Record<SplitName, { size: number } & Record<string, number[]>>;
    const studio = await tensorsOf(data);
    const detection = await read(['objects']);
    const single = await read(['objects', 'class']);
    let left = 0;
    for (const split of SPLITS) {
      expect(detection[split].size, split).toBe(studio[split].size);
      expect(detection[split].objects, split).toEqual(Array.from(studio[split].targets.objects!));
      const classes = Array.from(studio[split].targets.class!);
      expect(single[split].class, split).toEqual(classes.filter((c) => c >= 0));
      left += classes.length - single[split].size;
    }
    expect(left).toBe(3);
    await data.close?.();
  });
});
