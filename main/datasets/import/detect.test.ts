import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.ts';
import { detectFormat, locateDataset, readIndex } from './detect.ts';
import { IMPORT_FORMATS } from './types.ts';
import { temporaryFolders, writeFixtureDataset } from './test-fixtures.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof DatasetError ? error.code : undefined;
}

describe('format detection', () => {
  it('tells every fixture layout by its path', async () => {
    for (const format of IMPORT_FORMATS) {
      const fixture = await writeFixtureDataset(await folders.make(), format, { images: 3 });
      expect(await detectFormat(fixture.path)).toBe(format);
    }
    const sideBySide = await writeFixtureDataset(await folders.make(), 'yolo', {
      images: 3,
      yoloLayout: 'side-by-side',
    });
    expect(await detectFormat(sideBySide.path)).toBe('yolo');
    const splitFolders = await writeFixtureDataset(await folders.make(), 'folder', {
      splits: true,
    });
    expect(await detectFormat(splitFolders.path)).toBe('folder');
  });

  it('tells the split-first YOLO layout and a folder of VOC files', async () => {
    const yolo = await folders.make();
    await mkdir(join(yolo, 'train', 'labels'), { recursive: true });
    expect(await detectFormat(yolo)).toBe('yolo');
    const voc = await folders.make();
    await writeFile(join(voc, 'a.xml'), '<annotation/>');
    expect(await detectFormat(voc)).toBe('voc');
  });

  it('takes a folder holding one annotation file as that file', async () => {
    const dir = await folders.make();
    const fixture = await writeFixtureDataset(dir, 'coco', { images: 3 });
    expect(await locateDataset(dir)).toEqual({ format: 'coco', path: fixture.path });
    expect(await locateDataset(dir, 'coco')).toEqual({ format: 'coco', path: fixture.path });
  });

  it('says in one sentence what it looked for', async () => {
    const empty = await folders.make();
    await expect(detectFormat(empty)).rejects.toThrow(
      `Found no dataset in '${empty}': looked for a CSV file, a COCO .json file, a Pascal VOC Annotations folder, YOLO labels (a labels folder, .txt files beside the images, data.yaml or classes.txt) or class folders of images.`,
    );
    const missing = join(empty, 'nowhere');
    await expect(detectFormat(missing)).rejects.toThrow(
      `There is no file or folder at '${missing}'.`,
    );
    expect(await codeOf(detectFormat(missing))).toBe('E_DATASET_NOT_FOUND');
    const text = join(empty, 'notes.txt');
    await writeFile(text, 'hello');
    await expect(detectFormat(text)).rejects.toThrow(
      `'${text}' is not a dataset file: give a .csv file, a COCO .json file, a YOLO data.yaml or a dataset folder.`,
    );
  });

  it('refuses a stated format that the path is not', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'csv', { images: 3 });
    await expect(readIndex(fixture.path, { format: 'coco' })).rejects.toThrow(
      /is a CSV file, not a COCO JSON file; give the format as csv or leave it out\.$/,
    );
    const dir = await folders.make();
    await expect(readIndex(dir, { format: 'csv' })).rejects.toThrow(
      /is a folder with no \.csv files; give the path of a CSV file itself\.$/,
    );
  });

  it('reads with the detected reader, or the stated one', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'voc', { images: 3 });
    expect((await readIndex(fixture.path)).format).toBe('voc');
    expect((await readIndex(fixture.path, { format: 'voc' })).records).toHaveLength(3);
  });

  it('says when a dataset lists no usable image', async () => {
    const dir = await folders.make();
    await writeFile(join(dir, 'labels.csv'), 'path,class\n,cat\n');
    await expect(readIndex(join(dir, 'labels.csv'))).rejects.toThrow(
      "The CSV file 'labels.csv' lists no usable images; the first problem: Row 2 of labels.csv has no image path; the row was skipped.",
    );
    const classes = await folders.make();
    await mkdir(join(classes, 'cat'));
    await writeFile(join(classes, 'cat', 'a.png'), '');
    await writeFile(join(classes, 'classes.txt'), 'cat\n');
    expect(await detectFormat(classes)).toBe('yolo');
    expect(await codeOf(readIndex(join(dir, 'labels.csv')))).toBe('E_DATASET_EMPTY');
  });
});
