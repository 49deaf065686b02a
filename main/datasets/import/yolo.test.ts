import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_CLASSES, temporaryFolders, writeFixtureDataset } from './test-fixtures.ts';
import { readYolo } from './yolo.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

async function write(dir: string, files: Readonly<Record<string, string>>) {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

describe('the YOLO reader', () => {
  it('reads images/ + labels/ with split folders and classes.txt', async () => {
    const dir = await folders.make();
    const fixture = await writeFixtureDataset(dir, 'yolo', { splits: true });
    const index = await readYolo(fixture.path);
    expect(index.root).toBe(join(dir, 'images'));
    expect(index.classes).toEqual(FIXTURE_CLASSES);
    const byKey = new Map(index.records.map((r) => [r.key, r]));
    for (const image of fixture.images) {
      const record = byKey.get(image.key);
      expect(record?.split).toBe(image.split);
      expect(record?.objects.map((o) => o.className)).toEqual([image.className]);
      const unit = record?.objects[0]?.unitBox ?? [];
      expect(unit[0]).toBeCloseTo(image.box[0] / 48, 12);
      expect(unit[3]).toBeCloseTo(image.box[3] / 40, 12);
    }
    expect(index.records[0]?.where).toMatch(/^labels\/(train|val|test)\/img_\d+\.txt$/);
  });

  it('reads labels beside the images, with names from data.yaml', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'yolo', {
      yoloLayout: 'side-by-side',
      yoloNames: 'data.yaml',
      images: 6,
    });
    const index = await readYolo(fixture.path);
    expect(index.classes).toEqual(FIXTURE_CLASSES);
    expect(index.records.map((r) => [r.key, r.objects.length])).toEqual(
      fixture.images.map((i) => [i.key, 1]),
    );
    expect(index.badRows).toEqual([]);
  });

  it('names classes by number without a names file and reports bad lines', async () => {
    const dir = await folders.make();
    await write(dir, {
      'a.png': '',
      'a.txt': '1 0.5 0.5 0.2 0.2\n\n0 0.1 0.1 0.3 0.1 0.3 0.3 0.1 0.3\n',
      'b.png': '',
      'c.png': '',
      'c.txt': '0 0.5 0.5\n0 0.5 x 0.1 0.1\n',
      'orphan.txt': '0 0.5 0.5 0.1 0.1\n',
      'README.txt': 'Labels made by hand.\n',
    });
    const index = await readYolo(dir);
    expect(index.classes).toEqual(['0', '1']);
    expect(index.records.map((r) => [r.key, r.objects.length])).toEqual([
      ['a.png', 2],
      ['b.png', 0],
      ['c.png', 0],
    ]);
    expect(index.records[0]?.objects[1]?.unitBox).toEqual([0.1, 0.1, 0.3, 0.3]);
    expect(index.badRows.map((r) => r.message)).toEqual([
      'c.txt line 1 has 3 values where YOLO expects 5 (class cx cy w h); the line was skipped.',
      "c.txt line 2 has 'x', which is not a number; the line was skipped.",
      'orphan.txt has no image of the same name beside it or under images/; its labels were skipped.',
    ]);
  });

  it('says a value too large for a number is not a finite one', async () => {
    const dir = await folders.make();
    await write(dir, { 'a.txt': '0 1e999 0.5 0.2 0.2\n', 'a.png': '' });
    const index = await readYolo(dir);
    expect(index.badRows.map((r) => r.message)).toEqual([
      "a.txt line 1 has '1e999', which is too large to be a finite number; the line was skipped.",
    ]);
  });

  it('reports a class index beyond the names', async () => {
    const dir = await folders.make();
    await write(dir, {
      'obj.names': 'cat\ndog\n',
      'images/a.png': '',
      'labels/a.txt': '2 0.5 0.5 0.2 0.2\n',
    });
    const index = await readYolo(dir);
    expect(index.badRows.map((r) => [r.kind, r.key, r.message])).toEqual([
      [
        'unknown-class',
        'a.png',
        'labels/a.txt line 1 gives class 2, but the dataset names 2 classes (0 to 1); the object was skipped.',
      ],
    ]);
  });

  it('reads the split-first layout Roboflow exports (train/images, valid/labels, …)', async () => {
    const dir = await folders.make();
    await write(dir, {
      'data.yaml': 'nc: 2\nnames: [cat, dog]\n',
      'train/images/a.png': '',
      'train/labels/a.txt': '1 0.5 0.5 0.2 0.2\n',
      'valid/images/b.png': '',
      'valid/labels/b.txt': '0 0.5 0.5 0.2 0.2\n',
    });
    const index = await readYolo(join(dir, 'data.yaml'));
    expect(index.root).toBe(dir);
    expect(index.records.map((r) => [r.key, r.split, r.where, r.objects[0]?.className])).toEqual([
      ['train/images/a.png', 'train', 'train/labels/a.txt', 'dog'],
      ['valid/images/b.png', 'validation', 'valid/labels/b.txt', 'cat'],
    ]);
  });

  it('says when data.yaml is not YAML', async () => {
    const dir = await folders.make();
    await write(dir, { 'data.yaml': 'names: [a, b\n' });
    await expect(readYolo(dir)).rejects.toThrow(/^data\.yaml is not valid YAML: .+\.$/);
  });
});
