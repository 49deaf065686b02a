/**
 * Pascal VOC detection through a dataset export and back: Annotations/ with an XML file per
 * image, ImageSets/Main/ with the split, classes.txt with the class order, and the studio's VOC
 * import reading each back to the same images, classes, objects and difficult flags.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { SPLITS, tensorsOf } from './test-dataset.ts';
import { OBJECT_ROWS_SIZE, readObjectRows } from '../../core/detection/object-rows.ts';
import type { DatasetSplit, TrainingData } from '../datasets/index.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { asTrainingData } from '../engine/batches.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { temporaryFolders, writeFixtureDataset } from '../datasets/import/test-fixtures.ts';
import { exportDatasetFiles, targetsHeld } from './dataset.ts';
import { writeExportFolder } from './index.ts';
import { pythonHas, runPython } from './test-python.ts';

const folders = temporaryFolders('studio-dataset-voc-');
afterAll(() => folders.cleanup());

const OPTIONS = { imageShape: [40, 48, 3] as const, seed: 5 };

const objectsOf = (split: DatasetSplit, target: string) =>
  Array.from({ length: split.size }, (_, i) =>
    readObjectRows(split.targets[target]!, i * OBJECT_ROWS_SIZE),
  );

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );

const exportVoc = async (data: TrainingData) =>
  writeExportFolder(await folders.make(), await exportDatasetFiles(data, 'voc'));

/**
 * The VOC fixture (12 images, some with a second, small object at the edge, 3 without objects,
 * an ImageSets split), each second object made difficult, imported at the images' own size.
 */
async function vocFixture() {
  const fixture = await writeFixtureDataset(await folders.make(), 'voc', {
    images: 12,
    background: 3,
    multiObject: true,
    splits: true,
  });
  const annotations = join(fixture.path, 'Annotations');
  for (const name of await readdir(annotations)) {
    const xml = await readFile(join(annotations, name), 'utf8');
    const at = xml.lastIndexOf('<difficult>0</difficult>');
    if (xml.indexOf('<difficult>') === at) continue;
    await writeFile(
      join(annotations, name),
      `${xml.slice(0, at)}<difficult>1</difficult>${xml.slice(at + 24)}`,
    );
  }
  const opened = await openImportedDataset(fixture.path, OPTIONS);
  expect(opened.checked.badRows).toEqual([]);
  return opened.data;
}

const parser = new XMLParser({
  parseTagValue: false,
  isArray: (name) => name === 'object',
});

interface VocObject {
  name: string;
  difficult: string;
  bndbox: Record<'xmin' | 'ymin' | 'xmax' | 'ymax', string>;
}
interface VocAnnotation {
  filename: string;
  size: Record<'width' | 'height' | 'depth', string>;
  segmented: string;
  object?: VocObject[];
}

const annotationOf = async (out: string, id: string) =>
  (
    parser.parse(await readFile(join(out, 'Annotations', `${id}.xml`), 'utf8')) as {
      annotation: VocAnnotation;
    }
  ).annotation;

describe('dataset export as Pascal VOC detection', () => {
  it('reads back every image, split, class and object bit for bit, difficult ones and background images too', async () => {
    const data = await vocFixture();
    const out = await exportVoc(data);
    expect((await readdir(out)).sort()).toEqual([
      'Annotations',
      'ImageSets',
      'JPEGImages',
      'classes.txt',
    ]);
    const again = await openImportedDataset(out, OPTIONS);
    expect(again.checked.badRows.map((r) => r.message)).toEqual([]);
    expect(again.report.background?.images).toBe(3);
    expect(again.data.targets).toEqual(data.targets);
    expect(targetsHeld(data, 'voc')).toEqual(data.targets);
    const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
    let difficult = 0;
    for (const split of SPLITS) {
      expect(after[split].size, split).toBe(before[split].size);
      expect(sameBytes(after[split].images, before[split].images), split).toBe(true);
      for (const name of ['class', 'box', 'objects']) {
        const [was, is] = [before[split].targets[name]!, after[split].targets[name]!];
        expect(sameBytes(is, was), `${split} ${name}`).toBe(true);
      }
      difficult += objectsOf(after[split], 'objects')
        .flat()
        .filter((o) => o.ignore).length;
    }
    expect(difficult).toBeGreaterThan(0);
    await again.data.close?.();
    await data.close?.();
  });

  it('writes the XML a VOC reader expects: file, size, 1-based whole-pixel corners, difficult', async () => {
    const data = await vocFixture();
    const out = await exportVoc(data);
    const tensors = await tensorsOf(data);
    const classes = data.targets.find((t) => t.kind === 'objects')!;
    if (classes.kind !== 'objects') throw new Error('no objects target');
    let backgrounds = 0;
    for (const split of SPLITS) {
      const list = await readFile(
        join(
          out,
          'ImageSets',
          'Main',
          `${{ train: 'train', validation: 'val', test: 'test' }[split]}.txt`,
        ),
        'utf8',
      );
      const ids = list.split('\n').filter(Boolean);
      expect(ids, split).toHaveLength(data.splits[split].size);
      const objects = objectsOf(tensors[split], 'objects');
      for (const [i, id] of ids.entries()) {
        expect(id).toBe(`${split}-${String(i).padStart(5, '0')}`);
        const annotation = await annotationOf(out, id);
        expect(annotation.filename).toBe(`${id}.png`);
        expect(annotation.size).toEqual({ width: '48', height: '40', depth: '3' });
        expect(annotation.segmented).toBe('0');
        const want = objects[i]!.map((o) => ({
          name: classes.classes[o.classIndex],
          difficult: o.ignore ? '1' : '0',
          // Pixel edges [x0, x1] are VOC's first and last pixel, counted from 1.
          bndbox: {
            xmin: String(Math.round(o.box[0] * 48) + 1),
            ymin: String(Math.round(o.box[1] * 40) + 1),
            xmax: String(Math.round(o.box[2] * 48)),
            ymax: String(Math.round(o.box[3] * 40)),
          },
        }));
        expect(
          (annotation.object ?? []).map(({ name, difficult, bndbox }) => ({
            name,
            difficult,
            bndbox,
          })),
          id,
        ).toEqual(want);
        if (!annotation.object) backgrounds++;
      }
    }
    expect(backgrounds).toBe(3);
    expect(await readFile(join(out, 'classes.txt'), 'utf8')).toBe('blue\ngreen\nred\n');
    await data.close?.();
  });

  it('keeps the class order through classes.txt, and every object to the nearest pixel', async () => {
    const data = asTrainingData(loadBuiltInDataset('shapes-scenes', { ...OPTIONS, limit: 30 }));
    const shapes = data.targets.find((t) => t.name === 'shapes');
    if (shapes?.kind !== 'objects') throw new Error('shapes-scenes has no objects target');
    const out = await exportVoc(data);
    expect(await readFile(join(out, 'classes.txt'), 'utf8')).toBe(`${shapes.classes.join('\n')}\n`);
    const again = await openImportedDataset(out, OPTIONS);
    expect(again.checked.badRows.map((r) => r.message)).toEqual([]);
    expect(again.data.targets.find((t) => t.kind === 'objects')).toEqual({
      name: 'objects',
      kind: 'objects',
      classes: shapes.classes,
    });
    const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
    for (const split of SPLITS) {
      expect(after[split].size, split).toBe(before[split].size);
      const [was, is] = [objectsOf(before[split], 'shapes'), objectsOf(after[split], 'objects')];
      expect(is.map((o) => o.map((r) => [r.classIndex, r.ignore]))).toEqual(
        was.map((o) => o.map((r) => [r.classIndex, r.ignore])),
      );
      // Each edge on the nearest whole pixel: at most half a pixel away.
      const sides = [48, 40, 48, 40];
      is.flat().forEach((o, k) =>
        o.box.forEach((v, c) =>
          expect(Math.abs(v - was.flat()[k]!.box[c]!) * sides[c]!).toBeLessThanOrEqual(0.5 + 1e-6),
        ),
      );
    }
    await again.data.close?.();
  });

  it('escapes XML in class names and refuses one classes.txt cannot hold', async () => {
    const base = asTrainingData(loadBuiltInDataset('shapes-scenes', { ...OPTIONS, limit: 12 }));
    const named = (classes: readonly string[]): TrainingData => ({
      ...base,
      targets: base.targets.map((t) => (t.kind === 'objects' ? { ...t, classes } : t)),
    });
    const odd = ['a<b', 'c&d', '</name>', 'say "hi"', '日本'];
    const out = await exportVoc(named(odd));
    const again = await openImportedDataset(out, OPTIONS);
    expect(again.data.targets.find((t) => t.kind === 'objects')).toMatchObject({ classes: odd });
    expect(again.checked.badRows).toEqual([]);
    await again.data.close?.();
    await expect(
      exportDatasetFiles(named(['circle', '#hash', 'b', 'c', 'd']), 'voc'),
    ).rejects.toThrow(
      `The class "#hash" of the dataset 'shapes-scenes' starts with '#', which marks a comment line in classes.txt; rename it, or export as csv.`,
    );
    await expect(
      exportDatasetFiles(named(['circle', 'bell\u0007', 'b', 'c', 'd']), 'voc'),
    ).rejects.toThrow('holds a control character, which XML cannot hold');
  });

  it('writes a mask and boxes side by side, as VOC2012 does, and reads the masks back', async () => {
    // shapes: a class, its box and a mask per image.
    const data = asTrainingData(loadBuiltInDataset('shapes', { ...OPTIONS, limit: 12 }));
    const mask = data.targets.find((t) => t.kind === 'mask')!;
    if (mask.kind !== 'mask') throw new Error('shapes has no mask');
    expect(targetsHeld(data, 'voc').map((t) => t.name)).toEqual(['class', 'box', 'mask']);
    const out = await exportVoc(data);
    expect((await readdir(out)).sort()).toEqual([
      'Annotations',
      'ImageSets',
      'JPEGImages',
      'SegmentationClass',
      'classes.txt',
    ]);
    expect((await readdir(join(out, 'ImageSets'))).sort()).toEqual(['Main', 'Segmentation']);
    expect(await readFile(join(out, 'classes.txt'), 'utf8')).toBe(`${mask.classes.join('\n')}\n`);
    const first = await annotationOf(out, 'train-00000');
    expect(first.segmented).toBe('1');
    expect(first.object).toHaveLength(1);

    const again = await openImportedDataset(out, OPTIONS);
    expect(again.data.targets).toEqual([mask]);
    const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
    for (const split of SPLITS) {
      expect(sameBytes(after[split].targets.mask!, before[split].targets.mask!), split).toBe(true);
    }
    await again.data.close?.();

    // Without the masks, the same folder is a detection dataset with each image's one object.
    await rm(join(out, 'SegmentationClass'), { recursive: true });
    await rm(join(out, 'classes.txt'));
    const boxes = await openImportedDataset(out, OPTIONS);
    const classOf = data.targets.find((t) => t.kind === 'class')!;
    if (classOf.kind !== 'class') throw new Error('shapes has no class');
    const names = async (d: TrainingData) => {
      const t = d.targets.find((x) => x.kind === 'class')!;
      if (t.kind !== 'class') throw new Error('no class target');
      const tensors = await tensorsOf(d);
      return SPLITS.flatMap((s) => Array.from(tensors[s].targets[t.name]!, (i) => t.classes[i]));
    };
    expect(await names(boxes.data)).toEqual(await names(data));
    await boxes.data.close?.();
  });
});

/** Reads an export as detectron2's and mmdetection's VOC loaders do, with Python's ElementTree. */
const VOC_LOADER_PY = `import json, os, sys
import xml.etree.ElementTree as ET
root = sys.argv[1]
out = {}
for split in ("train", "val", "test"):
    ids = [l.strip() for l in open(os.path.join(root, "ImageSets", "Main", split + ".txt")) if l.strip()]
    images = []
    for i in ids:
        tree = ET.parse(os.path.join(root, "Annotations", i + ".xml"))
        size = tree.find("size")
        objects = []
        for obj in tree.findall("object"):
            bb = obj.find("bndbox")
            box = [int(float(bb.find(k).text)) for k in ("xmin", "ymin", "xmax", "ymax")]
            box[0] -= 1
            box[1] -= 1
            objects.append([obj.find("name").text, int(obj.find("difficult").text)] + box)
        image = os.path.join(root, "JPEGImages", tree.find("filename").text)
        images.append({"exists": os.path.isfile(image), "width": int(size.find("width").text), "height": int(size.find("height").text), "objects": objects})
    out[split] = images
print(json.dumps(out))
`;

describe.skipIf(!pythonHas('xml.etree.ElementTree'))("a VOC loader's reading", () => {
  it('finds every image and reads each object as the studio holds it', async () => {
    const data = await vocFixture();
    const out = await exportVoc(data);
    const read = JSON.parse(await runPython(['-c', VOC_LOADER_PY, out], out)) as Record<
      string,
      { exists: boolean; width: number; height: number; objects: (string | number)[][] }[]
    >;
    const objects = data.targets.find((t) => t.kind === 'objects')!;
    if (objects.kind !== 'objects') throw new Error('no objects target');
    const tensors = await tensorsOf(data);
    const lists = { train: 'train', validation: 'val', test: 'test' } as const;
    for (const split of SPLITS) {
      const images = read[lists[split]]!;
      expect(images.every((i) => i.exists && i.width === 48 && i.height === 40)).toBe(true);
      expect(images.map((i) => i.objects)).toEqual(
        objectsOf(tensors[split], 'objects').map((rows) =>
          rows.map((o) => [
            objects.classes[o.classIndex],
            o.ignore ? 1 : 0,
            ...o.box.map((v, c) => Math.round(v * (c % 2 === 0 ? 48 : 40))),
          ]),
        ),
      );
    }
    await data.close?.();
  });
});
