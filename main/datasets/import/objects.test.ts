import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_OBJECTS,
  OBJECT_ROWS_SIZE,
  readObjectRows,
} from '../../../core/detection/object-rows.ts';
import { checkIndex } from './check.ts';
import { readIndex } from './detect.ts';
import { createImportedData } from './reader.ts';
import { formatSummary, summarizeDataset } from './summary.ts';
import { temporaryFolders, writeFixtureDataset, writeRectanglesPng } from './test-fixtures.ts';
import type { CheckedDataset, Sample } from './types.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

const all = (checked: CheckedDataset): Sample[] => [
  ...checked.samples.train,
  ...checked.samples.validation,
  ...checked.samples.test,
];

const rounded = (box: readonly number[]) => box.map((v) => Number(v.toFixed(5)));

/** Every sample's objects as the reader's objects target gives them, by key. */
async function objectsRead(checked: CheckedDataset, width: number, height: number) {
  const data = createImportedData(checked, {
    imageShape: [height, width, 3],
    resize: 'stretch',
    seed: 1,
    cache: false,
  });
  const out = new Map<string, { classIndex: number; box: number[]; ignore: boolean }[]>();
  for (const split of ['train', 'validation', 'test'] as const) {
    const samples = checked.samples[split];
    const block = await data.splits[split].read(samples.map((_, i) => i));
    samples.forEach((s, i) =>
      out.set(
        s.key,
        readObjectRows(block.targets.objects!, i * OBJECT_ROWS_SIZE).map((o) => ({
          ...o,
          box: rounded(o.box),
        })),
      ),
    );
  }
  return out;
}

async function write(dir: string, files: Readonly<Record<string, string>>) {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

describe('an imported detection dataset', () => {
  it('keeps every object of an image in its objects target, in CSV, COCO, YOLO and VOC', async () => {
    for (const format of ['csv', 'coco', 'yolo', 'voc'] as const) {
      const fixture = await writeFixtureDataset(await folders.make(), format, {
        multiObject: true,
      });
      const checked = await checkIndex(await readIndex(fixture.path));
      expect(checked.targets.map((t) => t.name)).toEqual(['class', 'box', 'objects']);
      expect(checked.targets[2]).toEqual({
        name: 'objects',
        kind: 'objects',
        classes: ['blue', 'green', 'red'],
      });
      const read = await objectsRead(checked, 48, 40);
      for (const image of fixture.images) {
        const want = image.objects.map((o) => ({
          classIndex: o.classIndex,
          box: rounded([o.box[0] / 48, o.box[1] / 40, o.box[2] / 48, o.box[3] / 40]),
          ignore: false,
        }));
        expect(read.get(image.key), `${format} ${image.key}`).toEqual(want);
      }
      // Six images hold two objects each: all twelve are there, beside the one chosen box.
      expect([...read.values()].filter((o) => o.length === 2)).toHaveLength(6);
      expect(summarizeDataset(checked).objects?.count).toBe(30);
    }
  });

  it('keeps COCO crowds and VOC difficult objects as ignored, and never chooses one as the box', async () => {
    const coco = await folders.make();
    await writeRectanglesPng(join(coco, 'a.png'), 40, 40, []);
    await write(coco, {
      'instances.json': JSON.stringify({
        images: [{ id: 1, file_name: 'a.png', width: 40, height: 40 }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 8, 8], iscrowd: 0 },
          // The largest region is a crowd: an RLE segmentation with its bbox.
          {
            id: 2,
            image_id: 1,
            category_id: 2,
            bbox: [10, 10, 30, 30],
            iscrowd: 1,
            segmentation: { counts: [0, 5], size: [40, 40] },
          },
          { id: 3, image_id: 1, category_id: 2, bbox: [20, 0, 10, 4], iscrowd: 0 },
          // A crowd with a segmentation only: nothing to read it by.
          { id: 4, image_id: 1, category_id: 1, segmentation: { counts: 'abc' }, iscrowd: 1 },
        ],
        categories: [
          { id: 1, name: 'cat' },
          { id: 2, name: 'dog' },
        ],
      }),
    });
    const checkedCoco = await checkIndex(await readIndex(join(coco, 'instances.json')));
    const [sample] = all(checkedCoco);
    // The largest object that is not a crowd.
    expect(rounded(sample!.box!)).toEqual([0, 0, 0.2, 0.2]);
    expect((await objectsRead(checkedCoco, 40, 40)).get('a.png')).toEqual([
      { classIndex: 0, box: [0, 0, 0.2, 0.2], ignore: false },
      { classIndex: 1, box: [0.25, 0.25, 1, 1], ignore: true },
      { classIndex: 1, box: [0.5, 0, 0.75, 0.1], ignore: false },
    ]);
    expect(checkedCoco.badRows.map((r) => r.message)).toEqual([
      "instances.json annotation 4 of 'a.png' is a crowd with a segmentation but no bbox; the studio reads crowds by their bbox, so it was skipped.",
    ]);
    expect(summarizeDataset(checkedCoco).objects).toEqual({
      count: 3,
      ignored: 1,
      crowdedImages: 0,
      leftOut: 0,
    });

    const voc = await folders.make();
    await writeRectanglesPng(join(voc, 'JPEGImages', 'b.png'), 40, 20, []);
    const object = (name: string, difficult: number, corners: number[]) =>
      `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox>${['xmin', 'ymin', 'xmax', 'ymax'].map((c, i) => `<${c}>${corners[i]}</${c}>`).join('')}</bndbox></object>`;
    await write(voc, {
      'Annotations/b.xml': `<annotation><filename>b.png</filename><size><width>40</width><height>20</height></size>${object('cat', 1, [1, 1, 40, 20])}${object('dog', 0, [1, 1, 10, 10])}${object('cat', 0, [21, 11, 30, 20])}</annotation>`,
    });
    const checkedVoc = await checkIndex(await readIndex(voc));
    expect(rounded(all(checkedVoc)[0]!.box!)).toEqual([0, 0, 0.25, 0.5]);
    expect((await objectsRead(checkedVoc, 40, 20)).get('b.png')).toEqual([
      { classIndex: 0, box: [0, 0, 1, 1], ignore: true },
      { classIndex: 1, box: [0, 0, 0.25, 0.5], ignore: false },
      { classIndex: 0, box: [0.5, 0.5, 0.75, 1], ignore: false },
    ]);
  });

  it('keeps an image whose objects are all ignored as a background image, its crowd still ignored', async () => {
    const dir = await folders.make();
    await writeRectanglesPng(join(dir, 'a.png'), 20, 20, []);
    await write(dir, {
      'instances.json': JSON.stringify({
        images: [{ id: 1, file_name: 'a.png' }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 8, 8], iscrowd: 1 }],
        categories: [{ id: 1, name: 'cat' }],
      }),
    });
    const checked = await checkIndex(await readIndex(join(dir, 'instances.json')));
    expect(checked.badRows).toEqual([]);
    expect(all(checked).map((s) => [s.key, s.classIndex, s.box])).toEqual([
      ['a.png', -1, undefined],
    ]);
    expect(checked.backgroundImages).toEqual({ images: 1, noLabelFile: 0 });
    expect((await objectsRead(checked, 20, 20)).get('a.png')).toEqual([
      { classIndex: 0, box: [0, 0, 0.4, 0.4], ignore: true },
    ]);
  });

  it('keeps the 100 largest objects of an image with more, and says so', async () => {
    const dir = await folders.make();
    await writeRectanglesPng(join(dir, 'many.png'), 200, 200, []);
    // 104 objects of growing size in a row of 8 × 13 cells, the first three crowds.
    const annotations = Array.from({ length: 104 }, (_, i) => ({
      id: i + 1,
      image_id: 1,
      category_id: 1,
      bbox: [(i % 8) * 25, Math.floor(i / 8) * 15, 5 + (i % 20), 5 + (i % 10)],
      iscrowd: i < 3 ? 1 : 0,
    }));
    await write(dir, {
      'instances.json': JSON.stringify({
        images: [{ id: 1, file_name: 'many.png', width: 200, height: 200 }],
        annotations,
        categories: [{ id: 1, name: 'cat' }],
      }),
    });
    const checked = await checkIndex(await readIndex(join(dir, 'instances.json')));
    const summary = summarizeDataset(checked);
    expect(summary.objects).toEqual({ count: 100, ignored: 0, crowdedImages: 1, leftOut: 4 });
    expect(formatSummary(summary)).toContain(
      '100 objects for a detection head; 1 image has more than 100, and keeps the 100 largest, leaving out 4.',
    );
    const rows = (await objectsRead(checked, 200, 200)).get('many.png')!;
    expect(rows).toHaveLength(MAX_OBJECTS);
    // The 101 plain objects fill the rows largest first; the smallest plain one and the crowds are left out.
    expect(rows.every((o) => !o.ignore)).toBe(true);
    const area = (b: readonly number[]) => (b[2]! - b[0]!) * (b[3]! - b[1]!);
    const kept = Math.min(...rows.map((o) => area(o.box)));
    const plain = annotations.filter((a) => a.iscrowd === 0).map((a) => a.bbox[2]! * a.bbox[3]!);
    expect(Math.round(kept * 200 * 200)).toBe([...plain].sort((a, b) => b - a)[99]);
  });

  it('groups CSV rows naming one image into one sample, and skips only the bad object', async () => {
    const dir = await folders.make();
    await writeRectanglesPng(join(dir, 'a.png'), 20, 10, []);
    await writeRectanglesPng(join(dir, 'b.png'), 20, 10, []);
    await write(dir, {
      'labels.csv': [
        'path,class,xmin,ymin,xmax,ymax',
        'a.png,cat,0,0,10,5',
        'b.png,dog,0,0,4,4',
        'a.png,dog,10,5,20,10',
        'a.png,cat,30,20,40,30',
        'a.png,cat,2,2,4,4',
      ].join('\n'),
    });
    const checked = await checkIndex(await readIndex(join(dir, 'labels.csv')), {
      validationFraction: 0,
      testFraction: 0,
    });
    expect(all(checked).map((s) => s.key)).toEqual(['a.png', 'b.png']);
    expect((await objectsRead(checked, 20, 10)).get('a.png')).toEqual([
      { classIndex: 0, box: [0, 0, 0.5, 0.5], ignore: false },
      { classIndex: 1, box: [0.5, 0.5, 1, 1], ignore: false },
      { classIndex: 0, box: [0.1, 0.2, 0.2, 0.4], ignore: false },
    ]);
    expect(checked.badRows.map((r) => r.kind)).toEqual(['box-outside']);
  });

  it('moves every object with a flipped training image', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'coco', { multiObject: true });
    const checked = await checkIndex(await readIndex(fixture.path), {
      validationFraction: 0,
      testFraction: 0,
    });
    const plain = await objectsRead(checked, 48, 40);
    const data = createImportedData(checked, {
      imageShape: [40, 48, 3],
      resize: 'stretch',
      seed: 3,
      cache: false,
      augment: { flip: true },
    });
    const samples = checked.samples.train;
    const block = await data.splits.train.read(samples.map((_, i) => i));
    let flipped = 0;
    samples.forEach((s, i) => {
      const rows = readObjectRows(block.targets.objects!, i * OBJECT_ROWS_SIZE).map((o) =>
        rounded(o.box),
      );
      const before = plain.get(s.key)!.map((o) => o.box);
      const mirrored = before.map((b) => rounded([1 - b[2]!, b[1]!, 1 - b[0]!, b[3]!]));
      const box = rounded(Array.from(block.targets.box!.subarray(i * 4, i * 4 + 4)));
      if (rows[0]!.join() !== before[0]!.join()) {
        flipped++;
        expect(rows).toEqual(mirrored);
      } else expect(rows).toEqual(before);
      // The chosen box moved the same way as its object.
      expect(rows).toContainEqual(box);
    });
    expect(flipped).toBeGreaterThan(3);
    expect(flipped).toBeLessThan(samples.length - 3);
  });
});
