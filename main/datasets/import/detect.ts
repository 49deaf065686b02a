/**
 * Tells a dataset's format from its path and reads its index with the matching reader. Every
 * way this can fail is one sentence that names the path and what was looked for.
 */
import { stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { kindOfPath } from '../../fs/file-errors.ts';
import { DatasetError } from '../errors.ts';
import { readCoco } from './coco.ts';
import { readCsv } from './csv.ts';
import { isImageFile, listFolder, notFoundError, pathKind, stemOf } from './files.ts';
import { readFolder, splitFolders } from './folder.ts';
import type { ImportedIndex, ImportFormat, ImportOptions } from './types.ts';
import { isMaskFolder } from './mask-folder.ts';
import { VOC_MASKS_FOLDER } from './voc-segmentation.ts';
import { readVoc } from './voc.ts';
import { readYolo } from './yolo.ts';

const READERS: Readonly<
  Record<ImportFormat, (path: string, options: ImportOptions) => Promise<ImportedIndex>>
> = {
  csv: readCsv,
  coco: readCoco,
  yolo: readYolo,
  voc: readVoc,
  folder: readFolder,
};

const FORMAT_NAMES: Readonly<Record<ImportFormat, string>> = {
  csv: 'a CSV file',
  coco: 'a COCO JSON file',
  yolo: 'a YOLO folder',
  voc: 'a Pascal VOC folder',
  folder: 'a folder of class folders',
};

const YOLO_MARKERS = ['data.yaml', 'data.yml', 'classes.txt', 'obj.names'];

const LOOKED_FOR =
  'a CSV file, a COCO .json file, a Pascal VOC Annotations folder, YOLO labels (a labels folder, .txt files beside the images, data.yaml or classes.txt) or class folders of images';

/** A dataset found: its format and the file or folder its reader takes. */
export interface LocatedDataset {
  readonly format: ImportFormat;
  readonly path: string;
}

/** Whether any image lies below a folder; stops at the first, so a large tree costs little. */
async function hasImageBelow(folder: string, depth = 3): Promise<boolean> {
  const listing = await listFolder(folder);
  if (listing.files.some(isImageFile)) return true;
  if (depth === 0) return false;
  for (const sub of listing.folders)
    if (await hasImageBelow(join(folder, sub), depth - 1)) return true;
  return false;
}

function formatOfFile(path: string): ImportFormat {
  switch (extname(path).toLowerCase()) {
    case '.csv':
      return 'csv';
    case '.json':
      return 'coco';
    case '.yaml':
    case '.yml':
      return 'yolo';
    default:
      throw new DatasetError(
        'E_DATASET_FORMAT',
        `'${path}' is not a dataset file: give a .csv file, a COCO .json file, a YOLO data.yaml or a dataset folder.`,
      );
  }
}

async function detectFolder(folder: string): Promise<LocatedDataset | undefined> {
  const { files, folders } = await listFolder(folder);
  if (folders.includes('Annotations') || folders.includes(VOC_MASKS_FOLDER)) {
    return { format: 'voc', path: folder };
  }
  // Before YOLO's markers: a segmentation folder may name its classes in a classes.txt.
  if (isMaskFolder(folders)) return { format: 'folder', path: folder };
  if (folders.includes('labels') || files.some((f) => YOLO_MARKERS.includes(f))) {
    return { format: 'yolo', path: folder };
  }
  const imageStems = new Set(files.filter(isImageFile).map(stemOf));
  if (files.some((f) => extname(f) === '.txt' && imageStems.has(stemOf(f)))) {
    return { format: 'yolo', path: folder };
  }
  // Roboflow's export: train/images + train/labels, valid/…, test/….
  for (const sub of folders) {
    if ((await listFolder(join(folder, sub))).folders.includes('labels')) {
      return { format: 'yolo', path: folder };
    }
  }
  if (files.some((f) => extname(f).toLowerCase() === '.xml'))
    return { format: 'voc', path: folder };
  const annotationFiles = files.filter((f) => ['.json', '.csv'].includes(extname(f).toLowerCase()));
  const [only] = annotationFiles;
  if (only !== undefined && annotationFiles.length === 1) {
    const file = join(folder, only);
    return { format: formatOfFile(file), path: file };
  }
  const splits = await splitFolders(folder);
  const classParents = splits ? splits.map((s) => join(folder, s.name)) : [folder];
  for (const parent of classParents) {
    for (const sub of (await listFolder(parent)).folders) {
      if (await hasImageBelow(join(parent, sub))) return { format: 'folder', path: folder };
    }
  }
  return undefined;
}

/** Finds the dataset at `path`: its format (detected unless stated) and what its reader takes. */
export async function locateDataset(path: string, format?: ImportFormat): Promise<LocatedDataset> {
  const source = resolve(path);
  const kind = await pathKind(source);
  if (kind === undefined) {
    // There, but neither a file nor a folder (/dev/zero, a pipe): say what it is.
    const stats = await stat(source).catch(() => undefined);
    if (!stats) throw notFoundError(path);
    throw new DatasetError(
      'E_DATASET_NOT_FOUND',
      `'${path}' is ${kindOfPath(stats)}, not a dataset file or folder.`,
    );
  }
  if (kind === 'file') {
    const detected = formatOfFile(source);
    if (format !== undefined && format !== detected) {
      throw new DatasetError(
        'E_DATASET_FORMAT',
        `'${path}' is ${FORMAT_NAMES[detected]}, not ${FORMAT_NAMES[format]}; give the format as ${detected} or leave it out.`,
      );
    }
    return { format: detected, path: source };
  }
  if (format === 'csv' || format === 'coco') {
    const extension = format === 'csv' ? '.csv' : '.json';
    const files = (await listFolder(source)).files.filter(
      (f) => extname(f).toLowerCase() === extension,
    );
    const [only] = files;
    if (only === undefined || files.length > 1) {
      throw new DatasetError(
        'E_DATASET_FORMAT',
        `'${path}' is a folder with ${files.length === 0 ? 'no' : files.length} ${extension} files; give the path of ${FORMAT_NAMES[format]} itself.`,
      );
    }
    return { format, path: join(source, only) };
  }
  if (format !== undefined) return { format, path: source };
  const detected = await detectFolder(source);
  if (!detected) {
    throw new DatasetError(
      'E_DATASET_FORMAT',
      `Found no dataset in '${path}': looked for ${LOOKED_FOR}.`,
    );
  }
  return detected;
}

/** The format of the dataset at `path`, or a sentence saying what was looked for. */
export async function detectFormat(path: string): Promise<ImportFormat> {
  return (await locateDataset(path)).format;
}

/** Reads the index of the dataset at `path` with its format's reader; no images are opened. */
export async function readIndex(path: string, options: ImportOptions = {}): Promise<ImportedIndex> {
  const located = await locateDataset(path, options.format);
  const index = await READERS[located.format](located.path, options);
  if (index.records.length === 0) {
    const first = index.badRows[0];
    throw new DatasetError(
      'E_DATASET_EMPTY',
      `${FORMAT_NAMES[located.format].replace(/^a /, 'The ')} '${basename(located.path)}' lists no usable images${first ? `; the first problem: ${first.message}` : '.'}`,
    );
  }
  return index;
}
