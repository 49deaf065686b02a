import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFolder } from './folder.ts';
import { FIXTURE_CLASSES, temporaryFolders, writeFixtureDataset } from './test-fixtures.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

describe('the image-folder reader', () => {
  it('takes each sub-folder as a class', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'folder', { images: 9 });
    const index = await readFolder(fixture.path);
    expect(index.hasBoxes).toBe(false);
    expect(index.classes).toEqual(FIXTURE_CLASSES);
    expect(index.records.map((r) => [r.key, r.objects, r.split])).toEqual(
      [...fixture.images]
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .map((i) => [i.key, [{ className: i.className }], undefined]),
    );
  });

  it('takes train/, val/ and test/ folders as the split', async () => {
    const dir = await folders.make();
    const fixture = await writeFixtureDataset(dir, 'folder', {
      splits: true,
      broken: ['malformed'],
    });
    const index = await readFolder(fixture.path);
    expect(index.classes).toEqual(FIXTURE_CLASSES);
    const splitOf = new Map(index.records.map((r) => [r.key, r.split]));
    for (const image of fixture.images) expect(splitOf.get(image.key)).toBe(image.split);
    expect(index.badRows.map((r) => r.message)).toEqual([
      "'train/malformed.png' lies outside any class folder, so it has no class; the image was skipped.",
    ]);
    expect(index.root).toBe(join(dir));
  });
});
