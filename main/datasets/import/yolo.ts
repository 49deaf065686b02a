/**
 * The YOLO reader: one `.txt` per image with a line `class cx cy w h` (fractions of the image)
 * per object, beside the image or in a `labels/` folder mirroring `images/`. Folders named
 * train, val or test on the way to an image give its split; class names come from `data.yaml`,
 * `classes.txt` or `obj.names`. An empty label file, or none, is an image without objects: a
 * background image, as Ultralytics reads it.
 */
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DatasetError } from '../errors.ts';
import type { SplitName } from '../types.ts';
import {
  badRow,
  capitalise,
  errorReason,
  isImageFile,
  listFilesDeep,
  listFolder,
  notANumberWhy,
  parseNumber,
  parseSplitName,
  pathKind,
  readTextFile,
  toKey,
} from './files.ts';
import type {
  BadRow,
  ImportedIndex,
  ImportedObject,
  ImportedRecord,
  ImportOptions,
  UnitBox,
} from './types.ts';

const YAML_NAMES = ['data.yaml', 'data.yml', 'dataset.yaml', 'dataset.yml'];
const NAME_LISTS = ['classes.txt', 'obj.names', 'classes.names'];

/** `names` as Ultralytics writes it: a list, or a map from index to name. */
function namesFromYaml(text: string, fileName: string): string[] | undefined {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new DatasetError(
      'E_DATASET_UNREADABLE',
      `${fileName} is not valid YAML: ${errorReason(error)}.`,
    );
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { names, nc } = data as { names?: unknown; nc?: unknown };
  if (Array.isArray(names)) return names.map((name) => String(name).trim());
  if (typeof names === 'object' && names !== null) {
    const entries = Object.entries(names).map(
      ([index, name]) => [Number(index), String(name)] as const,
    );
    const count = Math.max(-1, ...entries.map(([index]) => index)) + 1;
    const list = Array.from({ length: count }, (_, i) => String(i));
    for (const [index, name] of entries)
      if (Number.isInteger(index) && index >= 0) list[index] = name.trim();
    return list;
  }
  if (typeof nc === 'number' && Number.isInteger(nc) && nc > 0) {
    return Array.from({ length: nc }, (_, i) => String(i));
  }
  return undefined;
}

/** The class names the dataset declares, looked for at the top and in `labels/`. */
async function readClassNames(folder: string, yamlFile?: string): Promise<string[] | undefined> {
  const yamlFiles = yamlFile ? [yamlFile] : YAML_NAMES.map((name) => join(folder, name));
  for (const file of yamlFiles) {
    if ((await pathKind(file)) !== 'file') continue;
    const names = namesFromYaml(await readTextFile(file), basename(file));
    if (names) return names;
  }
  for (const where of [folder, join(folder, 'labels')]) {
    for (const name of NAME_LISTS) {
      const file = join(where, name);
      if ((await pathKind(file)) !== 'file') continue;
      return (await readTextFile(file))
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
    }
  }
  return undefined;
}

/** A label file for an image: `images/…/a.jpg` pairs with `labels/…/a.txt`, else `a.txt` beside it. */
function labelCandidates(folder: string, image: string): string[] {
  const segments = relative(folder, image).split(sep);
  const stem = basename(image, extname(image));
  const candidates: string[] = [];
  const last = segments.lastIndexOf('images');
  if (last >= 0) {
    const mirrored = [...segments.slice(0, last), 'labels', ...segments.slice(last + 1, -1)];
    candidates.push(join(folder, ...mirrored, `${stem}.txt`));
  }
  candidates.push(join(dirname(image), `${stem}.txt`));
  return candidates;
}

/** The split a folder on the way to the image names, if any. */
function splitOfPath(folder: string, image: string): SplitName | undefined {
  for (const segment of relative(folder, image).split(sep).slice(0, -1)) {
    const split = parseSplitName(segment);
    if (split) return split;
  }
  return undefined;
}

interface LabelLine {
  readonly classIndex: number;
  readonly unitBox: UnitBox;
  readonly where: string;
}

/** One label line: five numbers, or a class and a polygon (YOLO segmentation) boxed by its extent. */
function parseLabelLine(tokens: readonly string[], where: string): LabelLine | BadRow {
  if (tokens.length !== 5 && (tokens.length < 7 || tokens.length % 2 === 0)) {
    return badRow(
      'malformed',
      where,
      `${capitalise(where)} has ${tokens.length} values where YOLO expects 5 (class cx cy w h); the line was skipped.`,
    );
  }
  const numbers: number[] = [];
  for (const token of tokens) {
    const value = parseNumber(token);
    if (value === undefined) {
      return badRow(
        'not-a-number',
        where,
        `${capitalise(where)} has '${token}', ${notANumberWhy(token)}; the line was skipped.`,
      );
    }
    numbers.push(value);
  }
  const [classIndex = 0, ...rest] = numbers;
  if (rest.length === 4) {
    const [cx = 0, cy = 0, w = 0, h = 0] = rest;
    return { classIndex, where, unitBox: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] };
  }
  const xs = rest.filter((_, i) => i % 2 === 0);
  const ys = rest.filter((_, i) => i % 2 === 1);
  return {
    classIndex,
    where,
    unitBox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
  };
}

const looksLikeLabels = (text: string): boolean => {
  const first = text.split(/\r?\n/).find((line) => line.trim() !== '');
  return first === undefined || /^\s*\d+(\s+[-+0-9.eE]+){4,}\s*$/.test(first);
};

/** Reads a YOLO folder (or its `data.yaml`); lines it cannot use become bad rows. */
export async function readYolo(path: string, _options: ImportOptions = {}): Promise<ImportedIndex> {
  const source = resolve(path);
  const isFile = (await pathKind(source)) === 'file';
  const folder = isFile ? dirname(source) : source;
  const imagesFolder = join(folder, 'images');
  const hasImagesFolder = (await listFolder(folder)).folders.includes('images');
  const root = hasImagesFolder ? imagesFolder : folder;
  const images = await listFilesDeep(root, isImageFile);
  const textFiles = new Set(await listFilesDeep(folder, (name) => extname(name) === '.txt'));
  const declared = await readClassNames(folder, isFile ? source : undefined);
  const badRows: BadRow[] = [];
  const usedLabels = new Set<string>();
  const drafts: { record: Omit<ImportedRecord, 'objects'>; lines: LabelLine[] }[] = [];

  for (const file of images) {
    const key = toKey(root, file);
    const labelFile = labelCandidates(folder, file).find((candidate) => textFiles.has(candidate));
    const split = splitOfPath(folder, file);
    const labelName = labelFile ? toKey(folder, labelFile) : undefined;
    const lines: LabelLine[] = [];
    if (labelFile) {
      usedLabels.add(labelFile);
      const text = await readTextFile(labelFile);
      text.split(/\r?\n/).forEach((line, i) => {
        const tokens = line
          .trim()
          .split(/\s+/)
          .filter((t) => t !== '');
        if (tokens.length === 0) return;
        const parsed = parseLabelLine(tokens, `${labelName} line ${i + 1}`);
        if ('kind' in parsed) badRows.push({ ...parsed, key });
        else lines.push(parsed);
      });
    }
    drafts.push({
      record: {
        key,
        file,
        values: {},
        where: labelName ?? toKey(folder, file),
        ...(split ? { split } : {}),
        // Ultralytics reads an image without a label file as a background image, and so do we.
        ...(labelFile ? {} : { noLabelFile: true }),
      },
      lines,
    });
  }

  for (const labelFile of textFiles) {
    if (usedLabels.has(labelFile) || NAME_LISTS.includes(basename(labelFile))) continue;
    if (!looksLikeLabels(await readTextFile(labelFile))) continue;
    const where = toKey(folder, labelFile);
    badRows.push(
      badRow(
        'missing-file',
        where,
        `${capitalise(where)} has no image of the same name beside it or under images/; its labels were skipped.`,
      ),
    );
  }

  // Without declared names the classes are the indices the labels use.
  const largest = Math.max(-1, ...drafts.flatMap((d) => d.lines.map((l) => l.classIndex)));
  const classes = declared ?? Array.from({ length: largest + 1 }, (_, i) => String(i));
  const records: ImportedRecord[] = drafts.map(({ record, lines }) => {
    const objects: ImportedObject[] = [];
    for (const line of lines) {
      const className = Number.isInteger(line.classIndex) ? classes[line.classIndex] : undefined;
      if (className === undefined) {
        badRows.push(
          badRow(
            'unknown-class',
            line.where,
            `${capitalise(line.where)} gives class ${line.classIndex}, but the dataset names ${classes.length} classes (0 to ${classes.length - 1}); the object was skipped.`,
            'dropped',
            record.key,
          ),
        );
        continue;
      }
      objects.push({ className, unitBox: line.unitBox, where: line.where });
    }
    return { ...record, objects };
  });

  return {
    format: 'yolo',
    root,
    source,
    classes,
    hasBoxes: true,
    valueColumns: [],
    records,
    badRows,
  };
}
