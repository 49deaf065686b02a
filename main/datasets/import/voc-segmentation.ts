/**
 * Pascal VOC's segmentation layout: `SegmentationClass/<id>.png` palette images whose palette
 * index is the class (255 the ignored outline), the images in `JPEGImages/`, and the split in
 * `ImageSets/Segmentation/{train,val,test}.txt`. The classes are VOC's 21 unless a classes.txt
 * names others.
 */
import { join } from 'node:path';
import type { SplitName } from '../types.ts';
import { badRow, isImageFile, listFolder, pathKind, readTextFile, stemOf, toKey } from './files.ts';
import { readClassNames } from './mask-folder.ts';
import type { BadRow, ImportedIndex, ImportedRecord } from './types.ts';

export const VOC_MASKS_FOLDER = 'SegmentationClass';

/** VOC 2012's classes in palette order; index 0 is the background. */
export const VOC_SEGMENTATION_CLASSES: readonly string[] = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];

/**
 * Image ids listed per split in `ImageSets/<set>/`; an id in several lists keeps the first
 * (train, val, test).
 */
export async function readSplitLists(
  folder: string,
  set: 'Main' | 'Segmentation' = 'Main',
): Promise<Map<string, SplitName>> {
  const splitOf = new Map<string, SplitName>();
  const lists: readonly [string, SplitName][] = [
    ['train.txt', 'train'],
    ['val.txt', 'validation'],
    ['test.txt', 'test'],
  ];
  for (const [name, split] of lists) {
    const file = join(folder, 'ImageSets', set, name);
    if ((await pathKind(file)) !== 'file') continue;
    for (const line of (await readTextFile(file)).split(/\r?\n/)) {
      const id = line.trim().split(/\s+/)[0] ?? '';
      if (id !== '' && !splitOf.has(id)) splitOf.set(id, split);
    }
  }
  return splitOf;
}

/** One record per mask in `SegmentationClass/`, with the image of the same id. */
export async function readVocSegmentation(source: string): Promise<ImportedIndex> {
  const top = await listFolder(source);
  const imagesFolder = top.folders.includes('JPEGImages') ? join(source, 'JPEGImages') : source;
  const images = new Map(
    (await listFolder(imagesFolder)).files.filter(isImageFile).map((f) => [stemOf(f), f]),
  );
  const masksFolder = join(source, VOC_MASKS_FOLDER);
  const splitOf = await readSplitLists(source, 'Segmentation');
  const records: ImportedRecord[] = [];
  const badRows: BadRow[] = [];
  for (const name of (await listFolder(masksFolder)).files.filter(isImageFile)) {
    const id = stemOf(name);
    const where = `${VOC_MASKS_FOLDER}/${name}`;
    const image = images.get(id);
    if (image === undefined) {
      badRows.push(
        badRow(
          'missing-file',
          where,
          `The mask '${where}' has no image '${id}' in '${toKey(source, imagesFolder) || '.'}'; the mask was skipped.`,
        ),
      );
      continue;
    }
    const file = join(imagesFolder, image);
    const split = splitOf.get(id);
    records.push({
      key: toKey(imagesFolder, file),
      file,
      objects: [],
      values: {},
      where,
      mask: join(masksFolder, name),
      ...(split ? { split } : {}),
    });
  }
  return {
    format: 'voc',
    root: imagesFolder,
    source,
    classes: [],
    hasBoxes: false,
    valueColumns: [],
    records,
    badRows,
    masks: { classes: (await readClassNames(source)) ?? VOC_SEGMENTATION_CLASSES },
  };
}
