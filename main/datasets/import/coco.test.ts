import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCoco } from './coco.ts';
import { FIXTURE_CLASSES, temporaryFolders, writeFixtureDataset } from './test-fixtures.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

async function cocoFile(data: unknown, text?: string): Promise<string> {
  const path = join(await folders.make(), 'instances.json');
  await writeFile(path, text ?? JSON.stringify(data));
  return path;
}

describe('the COCO reader', () => {
  it('reads the fixture, finding its images in images/', async () => {
    const dir = await folders.make();
    const fixture = await writeFixtureDataset(dir, 'coco', { multiObject: true });
    const index = await readCoco(fixture.path);
    expect(index.root).toBe(join(dir, 'images'));
    expect(index.classes).toEqual(FIXTURE_CLASSES);
    expect(index.records.map((r) => r.key)).toEqual(fixture.images.map((i) => i.key));
    const record = index.records[1];
    expect(record?.objects.map((o) => [o.className, o.box])).toEqual(
      fixture.images[1]?.objects.map((o) => [o.className, o.box]),
    );
    expect([record?.width, record?.height, record?.where]).toEqual([
      48,
      40,
      'annotations.json image 2',
    ]);
    expect(index.badRows).toEqual([]);
  });

  it('orders classes by category id and reports what it cannot use', async () => {
    const dir = await folders.make();
    await mkdir(join(dir, 'pics'));
    await writeFile(join(dir, 'pics', 'a.jpg'), '');
    const path = await cocoFile({
      images: [
        { id: 1, file_name: 'pics/a.jpg', width: 10, height: 10 },
        { id: 1, file_name: 'pics/b.jpg' },
        { id: 2 },
      ],
      annotations: [
        { id: 10, image_id: 1, category_id: 7, bbox: [1, 2, 3, 4] },
        { id: 11, image_id: 5, category_id: 3, bbox: [1, 2, 3, 4] },
        { id: 12, image_id: 1, category_id: 4, bbox: [1, 2, 3, 4] },
        { id: 13, image_id: 1, category_id: 3, bbox: [1, 2] },
        { id: 14, image_id: 1, category_id: 3, bbox: [0, 0, 5, 5], iscrowd: 1 },
      ],
      categories: [
        { id: 7, name: 'zebra' },
        { id: 3, name: 'cat' },
      ],
    });
    const index = await readCoco(path);
    expect(index.root).toBe(join(path, '..'));
    expect(index.classes).toEqual(['cat', 'zebra']);
    expect(index.records).toHaveLength(1);
    expect(index.records[0]?.key).toBe('pics/a.jpg');
    expect(index.records[0]?.objects).toEqual([
      { className: 'zebra', box: [1, 2, 4, 6], where: 'instances.json annotation 10' },
      // A crowd is kept, marked ignored, for the detection head and COCO's score.
      { className: 'cat', box: [0, 0, 5, 5], where: 'instances.json annotation 14', ignore: true },
    ]);
    expect(index.badRows.map((r) => [r.kind, r.message])).toEqual([
      [
        'duplicate',
        "instances.json image 1 repeats image 1 ('pics/b.jpg'); the repeat was skipped.",
      ],
      ['malformed', 'instances.json image 2 lacks an id or a file_name; it was skipped.'],
      [
        'malformed',
        'instances.json annotation 11 is for image 5, which instances.json does not list; the annotation was skipped.',
      ],
      [
        'unknown-class',
        "instances.json annotation 12 of 'pics/a.jpg' has category_id 4, which is not among the categories; the annotation was skipped.",
      ],
      [
        'malformed',
        'instances.json annotation 13 has no bbox of four numbers [x, y, width, height]; the annotation was skipped.',
      ],
    ]);
  });

  it('refuses one category id given two names, skips a repeat, and keeps names as written', async () => {
    const categories = [
      { id: 3, name: 'cat' },
      { id: 1, name: 'dog' },
      { id: 3, name: 'lion' },
    ];
    await expect(readCoco(await cocoFile({ images: [], categories }))).rejects.toThrow(
      "instances.json gives category id 3 two names, 'cat' (category 1) and 'lion' (category 3), so its annotations' class is ambiguous; give each category its own id.",
    );
    const index = await readCoco(
      await cocoFile({
        images: [],
        categories: [
          { id: 3, name: 'cat' },
          { id: '3', name: 'cat' },
          { id: 4, name: ' spaced ' },
        ],
      }),
    );
    expect(index.classes).toEqual(['cat', ' spaced ']);
    expect(index.badRows.map((r) => [r.kind, r.message])).toEqual([
      [
        'duplicate',
        "instances.json category 2 repeats category id 3 ('cat') of category 1; the repeat was skipped.",
      ],
    ]);
  });

  it('says a bbox value too large for a number is not a finite one, not "null"', async () => {
    const text =
      '{"images":[{"id":1,"file_name":"a.png"}],"categories":[{"id":1,"name":"cat"}],' +
      '"annotations":[{"id":5,"image_id":1,"category_id":1,"bbox":[1e999,0,1,1]},' +
      '{"id":6,"image_id":1,"category_id":1,"bbox":[0,"-1e999",1,1]}]}';
    const index = await readCoco(await cocoFile(null, text));
    expect(index.badRows.map((r) => r.message)).toEqual([
      'instances.json annotation 5 has a bbox value too large to be a finite number; the annotation was skipped.',
      'instances.json annotation 6 has "-1e999" in its bbox, which is too large to be a finite number; the annotation was skipped.',
    ]);
  });

  it('says in one sentence what is wrong with the file itself', async () => {
    await expect(readCoco(await cocoFile(null, '{"images": ['))).rejects.toThrow(
      /^instances\.json is not valid JSON: .+\.$/,
    );
    await expect(readCoco(await cocoFile({ annotations: [] }))).rejects.toThrow(
      "instances.json is not a COCO annotation file: it has no 'images' list.",
    );
    await expect(
      readCoco(await cocoFile({ images: [], annotations: [{ id: 1 }] })),
    ).rejects.toThrow(
      "instances.json has annotations but no 'categories' list to name their classes.",
    );
  });
});
