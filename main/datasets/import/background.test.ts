/**
 * Background images (no objects, or only ignored ones) in every box format: kept for a detection
 * head, left out for a class or box head, and counted in the report either way.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OBJECT_ROWS_SIZE, readObjectRows } from '../../../core/detection/object-rows.ts';
import { checkIndex } from './check.ts';
import { readIndex } from './detect.ts';
import { openImportedDataset } from './index.ts';
import { formatSummary, summarizeDataset } from './summary.ts';
import { temporaryFolders, writeFixtureDataset, writeRectanglesPng } from './test-fixtures.ts';
import type { CheckedDataset, ImportFormat, Sample } from './types.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

const all = (checked: CheckedDataset): Sample[] => [
  ...checked.samples.train,
  ...checked.samples.validation,
  ...checked.samples.test,
];

const BOX_FORMATS = ['csv', 'coco', 'yolo', 'voc'] as const satisfies readonly ImportFormat[];

async function backgroundFixture(format: ImportFormat, broken = false) {
  return writeFixtureDataset(await folders.make(), format, {
    images: 12,
    background: 3,
    backgroundWithoutLabel: true,
    ...(broken ? { broken: ['no-objects' as const] } : {}),
  });
}

describe('background images', () => {
  it('are kept by every box format, with no bad row, and counted in the summary', async () => {
    for (const format of BOX_FORMATS) {
      const fixture = await backgroundFixture(format);
      expect(fixture.background).toEqual(['bg_000.png', 'bg_001.png', 'bg_002.png']);
      const checked = await checkIndex(await readIndex(fixture.path));
      expect(checked.badRows, format).toEqual([]);
      expect(all(checked), format).toHaveLength(15);
      const kept = all(checked)
        .filter((s) => s.key.startsWith('bg_'))
        .sort((a, b) => a.key.localeCompare(b.key));
      expect(
        kept.map((s) => [s.key, s.classIndex, s.box, s.objects]),
        format,
      ).toEqual(fixture.background.map((key) => [key, -1, undefined, []]));
      // YOLO reads the last one, which has no label file, as Ultralytics does.
      const noLabelFile = format === 'yolo' ? 1 : 0;
      expect(checked.backgroundImages, format).toEqual({ images: 3, noLabelFile });
      const summary = summarizeDataset(checked);
      expect(summary.objects).toMatchObject({ count: 12, background: 3, noLabelFile });
      expect(formatSummary(summary)).toContain(
        format === 'yolo'
          ? '3 images have no objects or only ignored ones (1 without a label file, which YOLO reads as no objects): a detection head learns them as background; a class or box head leaves them out, having no label for them.'
          : '3 images have no objects or only ignored ones: a detection head learns them as background;',
      );
    }
  });

  it('still leave out an image whose every object is unusable, saying so', async () => {
    for (const format of BOX_FORMATS) {
      const checked = await checkIndex(
        await readIndex((await backgroundFixture(format, true)).path),
      );
      const dropped = checked.badRows.filter((r) => r.kind === 'no-objects');
      expect(
        dropped.map((r) => r.message),
        format,
      ).toEqual([
        expect.stringMatching(
          /no_objects\.png.* has no object left with a class and a usable box; the image was skipped\.$/,
        ),
      ]);
      expect(all(checked).some((s) => s.key === 'no_objects.png')).toBe(false);
      expect(checked.backgroundImages?.images, format).toBe(3);
    }
  });

  it('are read for a detection head and left out for a class or box head, as the report says', async () => {
    const fixture = await backgroundFixture('yolo');
    const request = { imageShape: [20, 24, 3] as const, seed: 3 };
    const detection = await openImportedDataset(fixture.path, {
      ...request,
      learnedTargets: ['objects'],
    });
    const sizes = (r: typeof detection.report) => r.sizes.train + r.sizes.validation + r.sizes.test;
    expect(sizes(detection.report)).toBe(15);
    expect(detection.report.background).toEqual({ images: 3, noLabelFile: 1, kept: true });
    // A background image gives no class (−1), a zero box and no object rows.
    const { data } = detection;
    const found: { classIndex: number; objects: number }[] = [];
    for (const split of ['train', 'validation', 'test'] as const) {
      const samples = detection.checked.samples[split];
      const block = await data.splits[split].read(samples.map((_, i) => i));
      samples.forEach((s, i) => {
        if (!s.key.startsWith('bg_')) return;
        expect(Array.from(block.targets.box!.subarray(i * 4, i * 4 + 4))).toEqual([0, 0, 0, 0]);
        found.push({
          classIndex: block.targets.class![i]!,
          objects: readObjectRows(block.targets.objects!, i * OBJECT_ROWS_SIZE).length,
        });
      });
    }
    expect(found).toEqual([1, 2, 3].map(() => ({ classIndex: -1, objects: 0 })));
    await data.close?.();

    for (const learned of [['class'], ['box'], ['objects', 'class']]) {
      const single = await openImportedDataset(fixture.path, {
        ...request,
        learnedTargets: learned,
      });
      expect(sizes(single.report), learned.join()).toBe(12);
      expect(all(single.checked).some((s) => s.key.startsWith('bg_'))).toBe(false);
      expect(single.report.background).toEqual({ images: 3, noLabelFile: 1, kept: false });
      await single.data.close?.();
    }
  });

  it('come from VOC files whose objects are all difficult, kept as ignored objects', async () => {
    const dir = await folders.make();
    await writeRectanglesPng(join(dir, 'JPEGImages', 'a.png'), 40, 20, [
      { classIndex: 0, box: [0, 0, 10, 10] },
    ]);
    await writeRectanglesPng(join(dir, 'JPEGImages', 'b.png'), 40, 20, []);
    await mkdir(join(dir, 'Annotations'));
    const xml = (name: string, difficult: number) =>
      `<annotation><filename>${name}</filename><size><width>40</width><height>20</height></size><object><name>cat</name><difficult>${difficult}</difficult><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>10</xmax><ymax>10</ymax></bndbox></object></annotation>`;
    await writeFile(join(dir, 'Annotations', 'a.xml'), xml('a.png', 0));
    await writeFile(join(dir, 'Annotations', 'b.xml'), xml('b.png', 1));
    const checked = await checkIndex(await readIndex(dir));
    expect(checked.badRows).toEqual([]);
    expect(all(checked).map((s) => [s.key, s.classIndex, s.objects?.map((o) => o.ignore)])).toEqual(
      [
        ['a.png', 0, [false]],
        ['b.png', -1, [true]],
      ],
    );
    expect(checked.backgroundImages).toEqual({ images: 1, noLabelFile: 0 });
  });

  it('come from CSV rows with a blank class and box; a blank class beside a box is still a bad row', async () => {
    const dir = await folders.make();
    for (const name of ['a.png', 'b.png', 'c.png', 'd.png'])
      await writeRectanglesPng(join(dir, name), 20, 20, []);
    await writeFile(
      join(dir, 'labels.csv'),
      [
        'path,class,xmin,ymin,xmax,ymax',
        'a.png,cat,0,0,10,10',
        'b.png,,,,,',
        'c.png,,0,0,10,10',
        'd.png,cat,,,,',
      ].join('\n'),
    );
    const checked = await checkIndex(await readIndex(join(dir, 'labels.csv')));
    expect(all(checked).map((s) => [s.key, s.classIndex])).toEqual([
      ['a.png', 0],
      ['b.png', -1],
    ]);
    expect(checked.badRows.map((r) => r.message)).toEqual([
      'Row 4 of labels.csv has no class; the row was skipped.',
      "'d.png' (row 5 of labels.csv) has no object left with a class and a usable box; the image was skipped.",
    ]);
  });

  it('are not made of a classification CSV’s rows without a class', async () => {
    const dir = await folders.make();
    await writeRectanglesPng(join(dir, 'a.png'), 20, 20, []);
    await writeRectanglesPng(join(dir, 'b.png'), 20, 20, []);
    await writeFile(join(dir, 'labels.csv'), 'path,class\na.png,cat\nb.png,\n');
    const checked = await checkIndex(await readIndex(join(dir, 'labels.csv')));
    expect(all(checked).map((s) => s.key)).toEqual(['a.png']);
    expect(checked.backgroundImages).toBeUndefined();
    expect(checked.badRows.map((r) => r.message)).toEqual([
      'Row 3 of labels.csv has no class; the row was skipped.',
    ]);
  });
});
