import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { SplitName } from '../types.ts';
import { checkIndex } from './check.ts';
import { readCsv } from './csv.ts';
import { readIndex } from './detect.ts';
import {
  BROKEN_THINGS,
  FIXTURE_CLASSES,
  temporaryFolders,
  unitBoxOf,
  writeFixtureDataset,
  writeRectanglesPng,
} from './test-fixtures.ts';
import type { CheckedDataset, ImportFormat, ImportOptions, Sample } from './types.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];
const BOX_FORMATS = ['csv', 'coco', 'yolo', 'voc'] as const satisfies readonly ImportFormat[];

async function checkFixture(
  format: ImportFormat,
  spec: Parameters<typeof writeFixtureDataset>[2] = {},
  options: ImportOptions = {},
) {
  const fixture = await writeFixtureDataset(await folders.make(), format, spec);
  const checked = await checkIndex(await readIndex(fixture.path, options), options);
  return { fixture, checked };
}

const allSamples = (checked: CheckedDataset): Sample[] =>
  SPLITS.flatMap((split) => checked.samples[split]);

/** What must agree across formats: the file's folder differs, nothing else may. */
const comparable = (checked: CheckedDataset) =>
  SPLITS.map((split) =>
    checked.samples[split].map((s) => ({
      key: s.key,
      classIndex: s.classIndex,
      split: s.split,
      width: s.width,
      height: s.height,
    })),
  );

describe('the check pass', () => {
  it('gives the same samples from the same data in CSV, COCO, YOLO and VOC', async () => {
    const results = [];
    for (const format of BOX_FORMATS) {
      results.push(await checkFixture(format, { multiObject: true }, { seed: 7 }));
    }
    const [first, ...others] = results;
    if (!first) throw new Error('no result');
    const truth = new Map(first.fixture.images.map((image) => [image.key, image]));
    expect(allSamples(first.checked)).toHaveLength(24);
    for (const sample of allSamples(first.checked)) {
      const image = truth.get(sample.key);
      expect(sample.classIndex).toBe(image?.classIndex);
    }
    for (const { checked } of [first, ...others]) {
      expect(checked.badRows).toEqual([]);
      expect(checked.multiObjectImages).toBe(6);
      expect(checked.targets.slice(0, 2)).toEqual([
        { name: 'class', kind: 'class', classes: FIXTURE_CLASSES },
        { name: 'box', kind: 'box' },
      ]);
      expect(comparable(checked)).toEqual(comparable(first.checked));
      for (const sample of allSamples(checked)) {
        const image = truth.get(sample.key);
        if (!image || !sample.box) throw new Error(`no truth or box for ${sample.key}`);
        const expected = unitBoxOf(image);
        sample.box.forEach((v, i) => expect(Math.abs(v - (expected[i] ?? NaN))).toBeLessThan(1e-9));
      }
    }
  });

  it('gives every kind of bad row a sentence that names the row or file', async () => {
    for (const format of ['csv', 'coco', 'yolo', 'voc', 'folder'] as const) {
      const { fixture, checked } = await checkFixture(format, { broken: BROKEN_THINGS });
      expect(fixture.broken.length).toBeGreaterThan(1);
      for (const { kind, mention } of fixture.broken) {
        const rows = checked.badRows.filter((r) => r.kind === kind);
        const named = rows.find((r) => r.message.toLowerCase().includes(mention.toLowerCase()));
        expect(named, `${format}: no ${kind} bad row mentions ${mention}`).toBeDefined();
        expect(named?.message).toMatch(/; [^;]+\.$/);
      }
      // The good images are untouched by the broken ones beside them.
      const keys = new Set(allSamples(checked).map((s) => s.key));
      for (const image of fixture.images) expect(keys.has(image.key)).toBe(true);
    }
  });

  it('clips a box reaching out of the image and keeps the image', async () => {
    const { checked } = await checkFixture('csv', { broken: ['box-clipped'] });
    const sample = allSamples(checked).find((s) => s.key === 'box_clipped.png');
    expect(sample?.box).toEqual([40 / 48, 5 / 40, 1, 20 / 40]);
    expect(checked.badRows.map((r) => [r.kind, r.action])).toEqual([['box-clipped', 'fixed']]);
  });

  it('learns the largest object by default and the first on request', async () => {
    const dir = await folders.make();
    await sharp({ create: { width: 40, height: 40, channels: 3, background: '#808080' } })
      .png()
      .toFile(join(dir, 'a.png'));
    const rows = ['path,class,xmin,ymin,xmax,ymax', 'a.png,cat,0,0,5,5', 'a.png,dog,10,10,30,30'];
    await writeFile(join(dir, 'labels.csv'), rows.join('\n'));
    const index = await readCsv(join(dir, 'labels.csv'));
    const largest = await checkIndex(index, { validationFraction: 0, testFraction: 0 });
    const first = await checkIndex(index, {
      objectChoice: 'first',
      validationFraction: 0,
      testFraction: 0,
    });
    expect(largest.samples.train[0]?.classIndex).toBe(1);
    expect(largest.samples.train[0]?.box).toEqual([0.25, 0.25, 0.75, 0.75]);
    expect(first.samples.train[0]?.classIndex).toBe(0);
    expect([largest.multiObjectImages, first.objectChoice]).toEqual([1, 'first']);
  });

  it('offers one numeric target per value column and one for all of them', async () => {
    const { fixture, checked } = await checkFixture('csv', { values: true });
    expect(checked.targets[2]).toEqual({
      name: 'objects',
      kind: 'objects',
      classes: ['blue', 'green', 'red'],
    });
    expect(checked.targets.slice(3)).toEqual([
      { name: 'area', kind: 'numeric', columns: ['area'] },
      { name: 'aspect', kind: 'numeric', columns: ['aspect'] },
      { name: 'values', kind: 'numeric', columns: ['area', 'aspect'] },
    ]);
    const sample = allSamples(checked).find((s) => s.key === 'img_003.png');
    expect(sample?.values).toEqual(fixture.images[3]?.values);
  });

  it('takes the split from the data when it gives one', async () => {
    for (const format of ['csv', 'yolo', 'voc', 'folder'] as const) {
      const { fixture, checked } = await checkFixture(format, { splits: true });
      expect(checked.splitFrom).toBe('data');
      const splitOf = new Map(allSamples(checked).map((s) => [s.key, s.split]));
      for (const image of fixture.images) expect(splitOf.get(image.key)).toBe(image.split);
      expect(SPLITS.map((split) => checked.samples[split].length)).toEqual([18, 3, 3]);
    }
  });

  it('reports a file that is not an image at all', async () => {
    const dir = await folders.make();
    await writeFile(join(dir, 'notes.png'), 'not a picture');
    await writeFile(join(dir, 'labels.csv'), 'file,label\nnotes.png,cat\n');
    const checked = await checkIndex(await readCsv(join(dir, 'labels.csv')));
    expect(checked.badRows.map((r) => r.kind)).toEqual(['unreadable-image']);
    expect(checked.badRows[0]?.message).toMatch(
      /^'notes\.png' \(row 2 of labels\.csv\) cannot be decoded/,
    );
  });

  it('reads no image outside the dataset folder, whatever the annotation names', async () => {
    const outer = await folders.make();
    const dir = join(outer, 'dataset');
    const box = [{ classIndex: 0, box: [2, 2, 12, 12] as const }];
    await writeRectanglesPng(join(outer, 'secret.png'), 16, 16, box);
    await writeRectanglesPng(join(dir, 'JPEGImages', 'a.png'), 16, 16, box);
    await writeRectanglesPng(join(outer, 'other.png'), 16, 16, box);
    const absolute = join(outer, 'other.png');
    await writeFile(
      join(dir, 'labels.csv'),
      `path,class\nJPEGImages/a.png,cat\n../secret.png,cat\n${absolute},cat\n`,
    );
    await writeFile(
      join(dir, 'coco.json'),
      JSON.stringify({
        images: [
          { id: 1, file_name: 'JPEGImages/a.png' },
          { id: 2, file_name: '../secret.png' },
        ],
        annotations: [1, 2].map((id) => ({ id, image_id: id, category_id: 1, bbox: [2, 2, 9, 9] })),
        categories: [{ id: 1, name: 'cat' }],
      }),
    );
    const vocObject =
      '<object><name>cat</name><bndbox><xmin>3</xmin><ymin>3</ymin><xmax>12</xmax><ymax>12</ymax></bndbox></object>';
    await mkdir(join(dir, 'Annotations'));
    await writeFile(
      join(dir, 'Annotations', 'a.xml'),
      `<annotation><filename>a.png</filename>${vocObject}</annotation>`,
    );
    await writeFile(
      join(dir, 'Annotations', 'b.xml'),
      `<annotation><filename>../../secret.png</filename>${vocObject}</annotation>`,
    );

    const outside = async (path: string, format: ImportFormat) => {
      const checked = await checkIndex(await readIndex(path, { format }));
      expect(allSamples(checked).map((s) => s.key)).toEqual([
        format === 'voc' ? 'a.png' : 'JPEGImages/a.png',
      ]);
      return checked.badRows.map((r) => `${r.kind}: ${r.message}`);
    };
    expect(await outside(join(dir, 'labels.csv'), 'csv')).toEqual([
      `outside-folder: '../secret.png' (row 3 of labels.csv) lies outside the dataset's folder '${dir}', so it is not read; the image was skipped.`,
      `outside-folder: '../other.png' (row 4 of labels.csv) lies outside the dataset's folder '${dir}', so it is not read; the image was skipped.`,
    ]);
    expect(await outside(join(dir, 'coco.json'), 'coco')).toEqual([
      `outside-folder: '../secret.png' (coco.json image 2) lies outside the dataset's folder '${dir}', so it is not read; the image was skipped.`,
    ]);
    expect(await outside(dir, 'voc')).toEqual([
      `outside-folder: '../../secret.png' (Annotations/b.xml) lies outside the dataset's folder '${dir}', so it is not read; the image was skipped.`,
    ]);
  });

  it.runIf(process.platform === 'linux')(
    'says a device or a pipe named as an image is one, not that it does not exist',
    async () => {
      const dir = await folders.make();
      await symlink('/dev/zero', join(dir, 'zero.png'));
      execFileSync('mkfifo', [join(dir, 'pipe.png')]);
      await writeFile(join(dir, 'labels.csv'), 'file,label\nzero.png,cat\npipe.png,dog\n');
      const checked = await checkIndex(await readCsv(join(dir, 'labels.csv')));
      expect(checked.badRows.map((r) => r.message)).toEqual([
        "'zero.png' (row 2 of labels.csv) is a device, not an image file; the image was skipped.",
        "'pipe.png' (row 3 of labels.csv) is a pipe, not an image file; the image was skipped.",
      ]);
    },
  );

  it('reports progress and ends at the total', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'folder', { images: 9 });
    const seen: number[] = [];
    await checkIndex(await readIndex(fixture.path), {}, (done, total) => seen.push(done / total));
    expect(seen.at(-1)).toBe(1);
  });
});
