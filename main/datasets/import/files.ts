/**
 * What every format reader needs from the file system and from the text of an annotation: image
 * names, keys, folder listings, numbers in cells and the sentence a bad row is told in.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { StudioError } from '../../../core/problems.ts';
import { fileErrorSentence, isFileError } from '../../fs/file-errors.ts';
import { isMissingFile, readRegularText } from '../../fs/regular-file.ts';
import { DatasetError } from '../errors.ts';
import type { SplitName } from '../types.ts';
import type { BadRow, BadRowKind } from './types.ts';

/** What sharp decodes; BMP is left out because sharp cannot read it. */
export const IMAGE_EXTENSIONS = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
] as const;

const IMAGE_EXTENSION_SET: ReadonlySet<string> = new Set(IMAGE_EXTENSIONS);

export const isImageFile = (name: string): boolean =>
  IMAGE_EXTENSION_SET.has(extname(name).toLowerCase()) && !isHidden(name);

/**
 * Dot files are skipped: macOS leaves '._photo.jpg' resource forks beside copied images, which
 * look like images by name and are not.
 */
const isHidden = (name: string): boolean => basename(name).startsWith('.');

/** Folders that archivers and operating systems add and that never hold a user's data. */
const SYSTEM_FOLDERS: ReadonlySet<string> = new Set(['__MACOSX', '.git', '@eaDir']);

/** Code-unit order: the same on every machine and locale, so keys, classes and splits are too. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The image's path relative to the root with '/' separators: the record key. */
export const toKey = (root: string, file: string): string =>
  relative(root, file).split(sep).join('/');

/** The file name without its extension: how YOLO and VOC pair images with annotations. */
export const stemOf = (name: string): string => basename(name, extname(name));

export async function pathKind(path: string): Promise<'file' | 'folder' | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

export const notFoundError = (path: string): DatasetError =>
  new DatasetError('E_DATASET_NOT_FOUND', `There is no file or folder at '${path}'.`);

/** Reads an annotation file whole; a missing or unreadable file is one sentence, not a trace. */
export async function readTextFile(path: string): Promise<string> {
  try {
    // A plain file only (a pipe would block for good); COCO's annotation files run to gigabytes.
    // A byte-order mark from Windows editors would otherwise stick to the first column's name.
    return await readRegularText(path, { what: 'annotation file', maxBytes: Infinity });
  } catch (error) {
    if (isMissingFile(error)) throw notFoundError(path);
    throw new DatasetError(
      'E_DATASET_UNREADABLE',
      error instanceof StudioError
        ? error.message
        : isFileError(error)
          ? fileErrorSentence(error, `'${path}'`, 'read')
          : `Cannot read '${path}': ${errorReason(error)}.`,
    );
  }
}

/** The first line of an error's message, without a trailing full stop, for inside a sentence. */
export function errorReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').trim().replace(/\.$/, '') || 'unknown error';
}

export interface FolderListing {
  /** Plain file names, sorted. */
  readonly files: readonly string[];
  /** Sub-folder names, sorted. */
  readonly folders: readonly string[];
}

/** One level of a folder, without hidden entries and system folders; a missing folder is empty. */
export async function listFolder(path: string): Promise<FolderListing> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return { files: [], folders: [] };
  }
  const files: string[] = [];
  const folders: string[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    if (entry.isDirectory()) {
      if (!SYSTEM_FOLDERS.has(entry.name)) folders.push(entry.name);
    } else if (entry.isFile()) {
      files.push(entry.name);
    }
  }
  return { files: files.sort(compareText), folders: folders.sort(compareText) };
}

/** Every file below a folder whose name passes `keep`, as absolute paths in a stable order. */
export async function listFilesDeep(
  folder: string,
  keep: (name: string) => boolean,
): Promise<string[]> {
  const listing = await listFolder(folder);
  const found = listing.files.filter(keep).map((name) => join(folder, name));
  for (const sub of listing.folders) found.push(...(await listFilesDeep(join(folder, sub), keep)));
  return found;
}

/** The name a folder or a column uses for a split, or undefined when it names none. */
export function parseSplitName(text: string): SplitName | undefined {
  switch (text.trim().toLowerCase()) {
    case 'train':
    case 'training':
      return 'train';
    case 'val':
    case 'valid':
    case 'validation':
    case 'dev':
      return 'validation';
    case 'test':
    case 'testing':
      return 'test';
    default:
      return undefined;
  }
}

/** A cell as a finite number, or undefined for anything else, blank included. */
export function parseNumber(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text.trim());
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Why a cell parseNumber refused is no number, for "has '…', <why>": a text such as '1e999'
 * reads as a number too large to hold, which is not the same mistake as a word.
 */
export function notANumberWhy(text: string): string {
  return Number.isNaN(Number(text.trim()))
    ? 'which is not a number'
    : 'which is too large to be a finite number';
}

/**
 * Opens a sentence with a place: "row 12 of labels.csv" → "Row 12 of labels.csv"; a place that
 * starts with a file name ("labels/a.txt line 2") keeps its spelling.
 */
export function capitalise(text: string): string {
  const firstWord = text.split(' ', 1)[0] ?? '';
  if (/[./'\\]/.test(firstWord)) return text;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function badRow(
  kind: BadRowKind,
  where: string,
  message: string,
  action: BadRow['action'] = 'dropped',
  key?: string,
): BadRow {
  return key === undefined
    ? { kind, where, message, action }
    : { kind, where, key, message, action };
}

/**
 * Runs `work` on every item with at most `limit` calls in flight and returns the results in the
 * items' order, so a report built from them does not depend on which file answered first.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
