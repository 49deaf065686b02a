/**
 * The first look at each image of an index, before its annotation is checked: does it lie in the
 * dataset's folder, does it exist, does it decode whole, and how large is it.
 */
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import sharp from 'sharp';
import { kindOfPath } from '../../fs/file-errors.ts';
import { badRow, capitalise, errorReason, pathKind } from './files.ts';
import type { BadRow, ImportedIndex, ImportedRecord } from './types.ts';

/** Decoding to a thumbnail still reads every byte, so a truncated file fails, at little cost. */
const THUMBNAIL_SIDE = 8;

export type Probe =
  | { readonly ok: true; readonly width: number; readonly height: number }
  | { readonly ok: false; readonly bad: BadRow };

/** 'a.png' (row 5 of labels.csv): the image and where it is named, for a sentence. */
export const imageRef = (record: ImportedRecord): string =>
  record.where === record.key ? `'${record.key}'` : `'${record.key}' (${record.where})`;

/**
 * The folder every image must lie in: the one the user pointed at, or the annotation file's. An
 * annotation (perhaps in an uploaded zip) naming '../../home/me/photo.jpg' or an absolute path
 * would otherwise have any image the host can read shown in the preview and trained on. The test
 * is on the path as written: a symbolic link inside the folder is the user's own choice (an
 * upload cannot make one).
 */
export async function datasetFolderOf(index: ImportedIndex): Promise<string> {
  return (await pathKind(index.source)) === 'file' ? dirname(index.source) : index.source;
}

function isInside(folder: string, file: string): boolean {
  const path = relative(folder, file);
  return path !== '' && path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path);
}

/**
 * Whether the file lies in the dataset's folder, exists and decodes whole, and its size as it is
 * shown (EXIF orientation applied).
 */
export async function probeImage(record: ImportedRecord, folder: string): Promise<Probe> {
  if (!isInside(folder, record.file)) {
    return {
      ok: false,
      bad: badRow(
        'outside-folder',
        record.where,
        `${capitalise(imageRef(record))} lies outside the dataset's folder '${folder}', so it is not read; the image was skipped.`,
        'dropped',
        record.key,
      ),
    };
  }
  const missing = (what = 'does not exist'): Probe => ({
    ok: false,
    bad: badRow(
      'missing-file',
      record.where,
      `${capitalise(imageRef(record))} ${what}; the image was skipped.`,
      'dropped',
      record.key,
    ),
  });
  try {
    const stats = await stat(record.file);
    // There, but a device or a pipe (which the decoder would read for good): said as what it is.
    if (!stats.isFile()) return missing(`is ${kindOfPath(stats)}, not an image file`);
  } catch {
    return missing();
  }
  try {
    const image = sharp(record.file, { failOn: 'truncated' });
    const { autoOrient } = await image.metadata();
    await image.resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'fill' }).raw().toBuffer();
    return { ok: true, width: autoOrient.width, height: autoOrient.height };
  } catch (error) {
    return {
      ok: false,
      bad: badRow(
        'unreadable-image',
        record.where,
        `${capitalise(imageRef(record))} cannot be decoded as an image (${errorReason(error)}); the image was skipped.`,
        'dropped',
        record.key,
      ),
    };
  }
}
