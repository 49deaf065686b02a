/**
 * The image-folder reader, for classification: one sub-folder per class, optionally under
 * train/, val/ (or validation/) and test/ folders that give the split. Images may sit deeper
 * inside a class folder; its name is the class. A folder with `images/` and `masks/` side by
 * side is a segmentation layout instead (mask-folder.ts).
 */
import { join, resolve } from 'node:path';
import type { SplitName } from '../types.ts';
import {
  badRow,
  compareText,
  isImageFile,
  listFilesDeep,
  listFolder,
  parseSplitName,
  toKey,
} from './files.ts';
import { isMaskFolder, readMaskFolder } from './mask-folder.ts';
import type { BadRow, ImportedIndex, ImportedRecord, ImportOptions } from './types.ts';

/** The top folders when every one names a split; otherwise the layout has no split folders. */
export async function splitFolders(
  folder: string,
): Promise<{ name: string; split: SplitName }[] | undefined> {
  const { folders } = await listFolder(folder);
  const named = folders.map((name) => ({ name, split: parseSplitName(name) }));
  if (named.length === 0 || named.some((n) => n.split === undefined)) return undefined;
  return named as { name: string; split: SplitName }[];
}

/** Reads a folder of class folders; images outside any class folder become bad rows. */
export async function readFolder(
  path: string,
  _options: ImportOptions = {},
): Promise<ImportedIndex> {
  const source = resolve(path);
  if (isMaskFolder((await listFolder(source)).folders)) return readMaskFolder(source);
  const splits = await splitFolders(source);
  const parts = splits
    ? splits.map(({ name, split }) => ({ folder: join(source, name), split }))
    : [{ folder: source, split: undefined }];
  const records: ImportedRecord[] = [];
  const badRows: BadRow[] = [];
  const classes = new Set<string>();

  for (const { folder, split } of parts) {
    const listing = await listFolder(folder);
    for (const name of listing.files.filter(isImageFile)) {
      const key = toKey(source, join(folder, name));
      badRows.push(
        badRow(
          'malformed',
          key,
          `'${key}' lies outside any class folder, so it has no class; the image was skipped.`,
          'dropped',
          key,
        ),
      );
    }
    for (const className of listing.folders) {
      classes.add(className);
      for (const file of await listFilesDeep(join(folder, className), isImageFile)) {
        const key = toKey(source, file);
        records.push({
          key,
          file,
          objects: [{ className }],
          values: {},
          where: key,
          ...(split ? { split } : {}),
        });
      }
    }
  }

  return {
    format: 'folder',
    root: source,
    source,
    classes: [...classes].sort(compareText),
    hasBoxes: false,
    valueColumns: [],
    records,
    badRows,
  };
}
