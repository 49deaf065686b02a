/**
 * The Pascal VOC reader: one XML file per image in `Annotations/`, images in `JPEGImages/`, the
 * split in `ImageSets/Main/{train,val,test}.txt` when present. A folder with `SegmentationClass/`
 * is read as VOC's segmentation layout instead (voc-segmentation.ts). The classes are those a
 * `classes.txt` or `labelmap.txt` lists, in its order, else the names found, sorted.
 *
 * VOC's devkit counts pixels from 1 and includes both ends: a box over the first ten pixels is
 * xmin 1, xmax 10. As pixel edges that is [0, 10], the convention every other reader gives,
 * so xmin and ymin are lowered by one; a 0 written by a tool counting from 0 stays 0.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DatasetError } from '../errors.ts';
import {
  badRow,
  capitalise,
  compareText,
  errorReason,
  isImageFile,
  listFolder,
  notANumberWhy,
  parseNumber,
  pathKind,
  readTextFile,
  stemOf,
  toKey,
} from './files.ts';
import { readClassList } from './mask-folder.ts';
import { readSplitLists, readVocSegmentation, VOC_MASKS_FOLDER } from './voc-segmentation.ts';
import type {
  BadRow,
  ImportedIndex,
  ImportedObject,
  ImportedRecord,
  ImportOptions,
  PixelBox,
} from './types.ts';

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'object',
});

type Node = Record<string, unknown>;
const child = (node: unknown, name: string): unknown =>
  typeof node === 'object' && node !== null ? (node as Node)[name] : undefined;
const text = (node: unknown): string =>
  typeof node === 'string' || typeof node === 'number' ? String(node).trim() : '';

/** The validator's message in words: unclosed elements are named rather than dumped as a list. */
function xmlProblem(message: string): string {
  const unclosed = /^Invalid '\[(.*)\]' found/s.exec(message);
  if (unclosed) {
    const names = [...(unclosed[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => `<${m[1]}>`);
    return `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not closed`;
  }
  const single = /^Unclosed tag '([^']+)'/.exec(message);
  if (single) return `<${single[1]}> is not closed`;
  return message.replace(/\s+/g, ' ').replace(/\.$/, '');
}

/**
 * What the parser refuses in XML the validator passed, in words: it reads no external entities,
 * no element named like a JavaScript prototype key, and no entities expanding without end.
 */
function parserProblem(message: string): string {
  if (/external entit/i.test(message)) return 'it declares an external entity, which is not read';
  const reserved = /Invalid name: "([^"]+)" is a reserved/.exec(message);
  if (reserved) return `it has an element named <${reserved[1]}>, a name that is not read`;
  if (/expan.*limit|limit.*expan/i.test(message)) {
    return 'its entities expand to more text than is read (as an XML bomb does)';
  }
  return message
    .replace(/^\[[A-Za-z]+\]\s*/, '')
    .replace(/\s+/g, ' ')
    .replace(/\.$/, '');
}

/**
 * One annotation file's <annotation> element, or why it cannot be used: unreadable, not XML,
 * refused by the parser, or without that element. Never throws, so one bad file is one bad row.
 */
async function readAnnotation(xmlFile: string): Promise<{ annotation: Node } | { reason: string }> {
  let xml: string;
  try {
    xml = await readTextFile(xmlFile);
  } catch (error) {
    return { reason: `it cannot be read (${errorReason(error)})` };
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { reason: `${xmlProblem(valid.err.msg)} (line ${valid.err.line})` };
  let annotation: unknown;
  try {
    annotation = child(parser.parse(xml), 'annotation');
  } catch (error) {
    return { reason: parserProblem(errorReason(error)) };
  }
  if (annotation === undefined || typeof annotation !== 'object' || annotation === null) {
    return { reason: 'it has no <annotation> element' };
  }
  return { annotation: annotation as Node };
}

/** The first place the image is found: JPEGImages/, the XML's `path`, its `folder`, beside the XML. */
async function locateImage(
  folder: string,
  imagesFolder: string,
  xmlFile: string,
  annotation: unknown,
): Promise<string> {
  const fileName = text(child(annotation, 'filename')).replace(/\\/g, '/');
  const pathText = text(child(annotation, 'path')).replace(/\\/g, '/');
  const folderText = text(child(annotation, 'folder'));
  const candidates: string[] = [];
  if (fileName !== '') {
    candidates.push(join(imagesFolder, fileName));
    if (pathText !== '' && isAbsolute(pathText)) candidates.push(pathText);
    if (folderText !== '') candidates.push(join(folder, folderText, fileName));
    candidates.push(join(dirname(xmlFile), fileName));
  } else {
    // No filename: an image sharing the XML's name, whatever its extension.
    const stem = stemOf(xmlFile);
    for (const where of [imagesFolder, dirname(xmlFile)]) {
      const match = (await listFolder(where)).files.find(
        (f) => isImageFile(f) && stemOf(f) === stem,
      );
      if (match) candidates.push(join(where, match));
    }
  }
  for (const candidate of candidates) if ((await pathKind(candidate)) === 'file') return candidate;
  return candidates[0] ?? join(imagesFolder, `${stemOf(xmlFile)}.jpg`);
}

function readObject(node: unknown, where: string, key: string): ImportedObject | BadRow {
  const className = text(child(node, 'name'));
  if (className === '') {
    return badRow(
      'malformed',
      where,
      `${capitalise(where)} has no name; the object was skipped.`,
      'dropped',
      key,
    );
  }
  const bndbox = child(node, 'bndbox');
  const corners = ['xmin', 'ymin', 'xmax', 'ymax'] as const;
  const numbers: number[] = [];
  for (const corner of corners) {
    const cell = text(child(bndbox, corner));
    const value = parseNumber(cell);
    if (value === undefined) {
      return badRow(
        'not-a-number',
        where,
        cell === ''
          ? `${capitalise(where)} has no ${corner} in its bndbox; the object was skipped.`
          : `${capitalise(where)} has '${cell}' as ${corner}, ${notANumberWhy(cell)}; the object was skipped.`,
        'dropped',
        key,
      );
    }
    numbers.push(value);
  }
  const [xmin = 0, ymin = 0, xmax = 0, ymax = 0] = numbers;
  const box: PixelBox = [Math.max(0, xmin - 1), Math.max(0, ymin - 1), xmax, ymax];
  // VOC's own evaluation neither rewards nor penalises a difficult object: kept as ignored.
  const difficult = text(child(node, 'difficult')) === '1';
  return { className, box, where, ...(difficult ? { ignore: true } : {}) };
}

/**
 * The classes a classes.txt (the studio's export writes one) or a CVAT-style labelmap.txt names,
 * in that order, so class indices survive a round trip; an object of a class neither names is an
 * unknown class. A labelmap's leading 'background' (CVAT lists it for masks) is left out when no
 * object is named so.
 */
async function listedClasses(
  source: string,
  named: readonly string[],
): Promise<readonly string[] | undefined> {
  const list = await readClassList(source);
  if (!list) return undefined;
  const [first, ...others] = list.names;
  const unused = first === 'background' && !named.includes(first);
  return list.file === 'labelmap.txt' && unused ? others : list.names;
}

/** Reads a Pascal VOC folder; files and objects it cannot use become bad rows. */
export async function readVoc(path: string, _options: ImportOptions = {}): Promise<ImportedIndex> {
  const source = resolve(path);
  const top = await listFolder(source);
  if (top.folders.includes(VOC_MASKS_FOLDER)) return readVocSegmentation(source);
  // A folder of XML files with no Annotations/ inside is taken as the annotations themselves.
  const annotationsFolder = top.folders.includes('Annotations')
    ? join(source, 'Annotations')
    : source;
  const folder = source;
  const imagesFolder = join(folder, 'JPEGImages');
  const root = top.folders.includes('JPEGImages') ? imagesFolder : folder;
  const xmlFiles = (await listFolder(annotationsFolder)).files.filter((f) =>
    f.toLowerCase().endsWith('.xml'),
  );
  const splitOf = await readSplitLists(folder);
  const badRows: BadRow[] = [];
  const records: ImportedRecord[] = [];
  const seen = new Map<string, string>();
  let firstFailure: string | undefined;

  for (const name of xmlFiles) {
    const xmlFile = join(annotationsFolder, name);
    const where = toKey(folder, xmlFile);
    const read = await readAnnotation(xmlFile);
    if ('reason' in read) {
      firstFailure ??= `${where}: ${read.reason}`;
      badRows.push(
        badRow(
          'malformed',
          where,
          `${capitalise(where)} is not a readable VOC annotation: ${read.reason}; the file was skipped.`,
        ),
      );
      continue;
    }
    const { annotation } = read;
    const file = await locateImage(folder, imagesFolder, xmlFile, annotation);
    const key = toKey(root, file);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      badRows.push(
        badRow(
          'duplicate',
          where,
          `${capitalise(where)} annotates '${key}' again, as ${earlier} did; the file was skipped.`,
          'dropped',
          key,
        ),
      );
      continue;
    }
    seen.set(key, where);
    const objects: ImportedObject[] = [];
    const nodes = child(annotation, 'object');
    (Array.isArray(nodes) ? nodes : []).forEach((node: unknown, i) => {
      const parsed = readObject(node, `${where} object ${i + 1}`, key);
      if ('kind' in parsed) badRows.push(parsed);
      else objects.push(parsed);
    });
    const size = child(annotation, 'size');
    const width = parseNumber(text(child(size, 'width')));
    const height = parseNumber(text(child(size, 'height')));
    // Some tools write a size of 0 × 0; the check pass then reads the size from the file.
    const hasSize = width !== undefined && height !== undefined && width > 0 && height > 0;
    const split = splitOf.get(stemOf(file)) ?? splitOf.get(stemOf(name));
    records.push({
      key,
      file,
      objects,
      values: {},
      where,
      ...(hasSize ? { width, height } : {}),
      ...(split ? { split } : {}),
    });
  }

  // One broken file among many is a bad row; when every file is broken, the folder is.
  if (records.length === 0 && firstFailure !== undefined) {
    throw new DatasetError(
      'E_DATASET_UNREADABLE',
      `None of the ${xmlFiles.length} annotation files in '${annotationsFolder}' is a readable VOC annotation; the first fails with ${firstFailure}.`,
    );
  }
  const named = [...new Set(records.flatMap((r) => r.objects.map((o) => o.className)))];
  const classes = (await listedClasses(source, named)) ?? named.sort(compareText);
  return {
    format: 'voc',
    root,
    source,
    classes,
    hasBoxes: true,
    valueColumns: [],
    records,
    badRows,
  };
}
