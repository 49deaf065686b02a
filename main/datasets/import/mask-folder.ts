/**
 * The segmentation folder layout: images in `images/`, and in `masks/` a PNG of class indices
 * per image with the same name (any image extension, the mask's is .png). Class names come from a
 * `classes.txt` (one per line) or a CVAT-style `labelmap.txt` (`name:r,g,b::`) when there is one.
 */
import { join, relative } from 'node:path';
import { badRow, isImageFile, listFilesDeep, pathKind, readTextFile, toKey } from './files.ts';
import type { BadRow, ImportedIndex, ImportedRecord } from './types.ts';

export const IMAGES_FOLDER = 'images';
export const MASKS_FOLDER = 'masks';
const CLASS_FILES = ['classes.txt', 'labelmap.txt'] as const;

/** Whether a folder holds the layout: `images/` and `masks/` side by side. */
export const isMaskFolder = (folders: readonly string[]): boolean =>
  folders.includes(IMAGES_FOLDER) && folders.includes(MASKS_FOLDER);

/** The class names a classes.txt or labelmap.txt gives, in index order; undefined without one. */
export async function readClassNames(folder: string): Promise<string[] | undefined> {
  return (await readClassList(folder))?.names;
}

/** The class names of the first of classes.txt and labelmap.txt that names any, with that file. */
export async function readClassList(
  folder: string,
): Promise<{ readonly file: (typeof CLASS_FILES)[number]; readonly names: string[] } | undefined> {
  for (const name of CLASS_FILES) {
    const file = join(folder, name);
    if ((await pathKind(file)) !== 'file') continue;
    const names = (await readTextFile(file))
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => (name === 'labelmap.txt' ? (line.split(':')[0] ?? '').trim() : line));
    if (names.length > 0) return { file: name, names };
  }
  return undefined;
}

/** A mask for each image of `images/`, found by its path with a .png extension in `masks/`. */
export async function readMaskFolder(source: string): Promise<ImportedIndex> {
  const imagesFolder = join(source, IMAGES_FOLDER);
  const masksFolder = join(source, MASKS_FOLDER);
  const masks = new Map(
    (await listFilesDeep(masksFolder, isImageFile)).map((file) => [
      toKey(masksFolder, file).replace(/\.[^./]+$/, ''),
      file,
    ]),
  );
  const records: ImportedRecord[] = [];
  const badRows: BadRow[] = [];
  for (const file of await listFilesDeep(imagesFolder, isImageFile)) {
    const key = toKey(source, file);
    const mask = masks.get(
      relative(imagesFolder, file)
        .replace(/\\/g, '/')
        .replace(/\.[^./]+$/, ''),
    );
    if (mask === undefined) {
      badRows.push(
        badRow(
          'missing-file',
          key,
          `'${key}' has no mask of the same name in '${MASKS_FOLDER}/'; the image was skipped.`,
          'dropped',
          key,
        ),
      );
      continue;
    }
    records.push({ key, file, objects: [], values: {}, where: key, mask });
  }
  const classes = await readClassNames(source);
  return {
    format: 'folder',
    root: source,
    source,
    classes: [],
    hasBoxes: false,
    valueColumns: [],
    records,
    badRows,
    masks: classes ? { classes } : {},
  };
}
