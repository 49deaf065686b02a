/**
 * The CSV reader: one row per image, or per object when an image has several boxes. Paths are
 * relative to the CSV's folder; boxes are pixels or fractions of the image, stated or detected.
 * A row with a blank class and box is an image without objects (a background image).
 */
import { parse } from 'csv-parse/sync';
import { basename, dirname, resolve } from 'node:path';
import { DATASET_TARGETS } from '../../export/dataset-layout.ts';
import { DatasetError } from '../errors.ts';
import type { SplitName } from '../types.ts';
import { readCsvCell } from './csv-cells.ts';
import { BOX_CORNERS, mapCsvColumns, sniffDelimiter } from './csv-columns.ts';
import type { CsvColumns } from './csv-columns.ts';
import { mapsOfCsv, readMapCells } from './csv-maps.ts';
import { readExportTargets } from './csv-targets.ts';
import {
  badRow,
  capitalise,
  compareText,
  errorReason,
  notANumberWhy,
  parseNumber,
  parseSplitName,
  readTextFile,
  toKey,
} from './files.ts';
import type {
  BadRow,
  ImportedIndex,
  ImportedObject,
  ImportedRecord,
  ImportOptions,
  PixelBox,
} from './types.ts';
import { PRIMARY_CLASS } from './types.ts';

interface CsvRow {
  readonly cells: readonly string[];
  /** The row number a spreadsheet shows, the header being row 1. */
  readonly line: number;
}

function parseRows(text: string, fileName: string): CsvRow[] {
  try {
    const parsed = parse(text, {
      delimiter: sniffDelimiter(text),
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return parsed.map(({ record, info }) => ({
      cells: record.map(readCsvCell),
      line: info.lines,
    }));
  } catch (error) {
    throw new DatasetError(
      'E_DATASET_UNREADABLE',
      `${fileName} is not a readable CSV file: ${errorReason(error)}.`,
    );
  }
}

/** A box cell that is no number: the column and the cell, for the bad row's sentence. */
interface NonNumber {
  readonly column: string;
  readonly cell: string;
}

/** The four box cells: absent when all are blank, `wrong` when one is not a number. */
type BoxCells = { readonly box: PixelBox } | { readonly wrong: NonNumber } | undefined;

function readBox(row: CsvRow, columns: CsvColumns, header: readonly string[]): BoxCells {
  if (!columns.box) return undefined;
  const indices = BOX_CORNERS.map((corner) => columns.box?.[corner] ?? 0);
  const cells = indices.map((index) => row.cells[index] ?? '');
  if (cells.every((cell) => cell === '')) return undefined;
  const numbers: number[] = [];
  for (const [i, cell] of cells.entries()) {
    const value = parseNumber(cell);
    if (value === undefined) return { wrong: { column: header[indices[i] ?? 0] ?? '', cell } };
    numbers.push(value);
  }
  const [xmin = 0, ymin = 0, xmax = 0, ymax = 0] = numbers;
  return { box: [xmin, ymin, xmax, ymax] };
}

const notANumber = (where: string, { column, cell }: NonNumber): BadRow =>
  badRow(
    'not-a-number',
    where,
    cell === ''
      ? `${capitalise(where)} has no value in column '${column}'; the row was skipped.`
      : `${capitalise(where)} has '${cell}' in column '${column}', ${notANumberWhy(cell)}; the row was skipped.`,
  );

/** 'auto' takes fractions when every coordinate of every box lies within [0, 1]. */
function decideUnits(
  boxes: readonly PixelBox[],
  stated: ImportOptions['boxUnits'],
): NonNullable<ImportedIndex['boxUnits']> {
  if (stated === 'pixels' || stated === 'normalized') return { units: stated, how: 'stated' };
  const unit = boxes.every((box) => box.every((v) => v >= 0 && v <= 1));
  return { units: unit ? 'normalized' : 'pixels', how: 'detected' };
}

type MapFields = Pick<ImportedRecord, 'mask' | 'depth' | 'normals'>;

interface RecordDraft extends MapFields {
  key: string;
  file: string;
  width?: number;
  height?: number;
  objects: ImportedObject[];
  values: Record<string, number>;
  labels: Record<string, string>;
  split?: SplitName;
  where: string;
  /** The first row's line, named when a later row repeats the image. */
  line: number;
  /** The first row was a blank class and box: an image without objects, which no row adds to. */
  noObject: boolean;
}

/** The names in a `labels` cell: "smiling; glasses" → ['smiling', 'glasses']. */
const labelNames = (cell: string): string[] =>
  cell
    .split(';')
    .map((name) => name.trim())
    .filter(Boolean);

/**
 * The one attributes task of the file: the marked 0/1 columns (named 'attributes'), or the names
 * a `labels` column lists (named as the column), in which an image's absent names are 0.
 */
function attributesOf(
  columns: CsvColumns,
  header: readonly string[],
  records: ImportedRecord[],
  rows: readonly CsvRow[],
): ImportedIndex['attributes'] {
  if (columns.attributes.length) {
    return { name: 'attributes', names: columns.attributes.map((a) => a.name) };
  }
  if (columns.labelList === undefined) return undefined;
  const list = columns.labelList;
  const names = [...new Set(rows.slice(0).flatMap((r) => labelNames(r.cells[list] ?? '')))].sort(
    compareText,
  );
  for (const record of records) {
    const values = record.values as Record<string, number>;
    for (const name of names) values[name] ??= 0;
  }
  return { name: header[list]?.trim() || 'labels', names };
}

/** Reads a CSV file of image paths and labels; rows it cannot use become bad rows. */
export async function readCsv(path: string, options: ImportOptions = {}): Promise<ImportedIndex> {
  const source = resolve(path);
  const root = dirname(source);
  const fileName = basename(source);
  const rows = parseRows(await readTextFile(source), fileName);
  const [headerRow, ...dataRows] = rows;
  if (!headerRow) {
    throw new DatasetError(
      'E_DATASET_EMPTY',
      `${fileName} is empty: it has not even a header row.`,
    );
  }
  const header = headerRow.cells;
  const targets = await readExportTargets(root, header, fileName);
  const columns = mapCsvColumns(
    header,
    dataRows.map((row) => row.cells),
    fileName,
    options.attributes,
    targets,
  );
  // targets.json fixes each class target's classes and their order; other names are bad rows.
  const listedClasses = new Map(
    (targets ?? []).flatMap((t) => (t.kind === 'class' ? [[t.name, t.classes] as const] : [])),
  );
  // A row per object: its class column holds the objects target's classes.
  const listedObjects = targets?.find((t) => t.kind === 'objects');
  if (listedObjects && !listedClasses.has(PRIMARY_CLASS)) {
    listedClasses.set(PRIMARY_CLASS, listedObjects.classes);
  }
  const primaryName = columns.className === undefined ? '' : (header[columns.className] ?? '');
  const badRows: BadRow[] = [];
  const drafts = new Map<string, RecordDraft>();
  const seenRows = new Map<string, number>();
  const accepted: {
    row: CsvRow;
    where: string;
    box?: PixelBox;
    maps: MapFields;
    /** A blank class and box: the image has no objects. */
    noObject: boolean;
  }[] = [];

  for (const row of dataRows) {
    const where = `row ${row.line} of ${fileName}`;
    const cell = (index: number | undefined) =>
      index === undefined ? '' : (row.cells[index] ?? '');
    const identity = row.cells.join('\u0000');
    const earlier = seenRows.get(identity);
    if (earlier !== undefined) {
      badRows.push(
        badRow(
          'duplicate',
          where,
          `${capitalise(where)} repeats row ${earlier} exactly; the row was skipped.`,
        ),
      );
      continue;
    }
    seenRows.set(identity, row.line);
    if (cell(columns.path) === '') {
      badRows.push(
        badRow('malformed', where, `${capitalise(where)} has no image path; the row was skipped.`),
      );
      continue;
    }
    // A blank class with a blank box is an image without objects (a background image, which a
    // detection head learns from); a blank class alone is a row missing its class.
    const noObject =
      columns.className !== undefined &&
      cell(columns.className) === '' &&
      columns.box !== undefined &&
      readBox(row, columns, header) === undefined;
    if (columns.className !== undefined && cell(columns.className) === '' && !noObject) {
      badRows.push(
        badRow('malformed', where, `${capitalise(where)} has no class; the row was skipped.`),
      );
      continue;
    }
    const classColumn = columns.className;
    const classColumns =
      classColumn === undefined ? [] : [{ name: primaryName, index: classColumn }];
    const unlisted = [...(noObject ? [] : classColumns), ...columns.labels].find(
      ({ name, index }) => listedClasses.get(name)?.includes(cell(index)) === false,
    );
    if (unlisted) {
      badRows.push(
        badRow(
          'unknown-class',
          where,
          `${capitalise(where)} has '${cell(unlisted.index)}' in column '${unlisted.name}', which is not one of the ${listedClasses.get(unlisted.name)?.length} classes ${DATASET_TARGETS} lists for it; the row was skipped.`,
        ),
      );
      continue;
    }
    const splitCell = cell(columns.split);
    if (splitCell !== '' && parseSplitName(splitCell) === undefined) {
      badRows.push(
        badRow(
          'malformed',
          where,
          `${capitalise(where)} has split '${splitCell}', which is not train, validation or test; the row was skipped.`,
        ),
      );
      continue;
    }
    const boxCells = readBox(row, columns, header);
    if (boxCells && 'wrong' in boxCells) {
      badRows.push(notANumber(where, boxCells.wrong));
      continue;
    }
    const wrongValue = columns.values.find(({ index }) => parseNumber(cell(index)) === undefined);
    if (wrongValue) {
      badRows.push(notANumber(where, { column: wrongValue.name, cell: cell(wrongValue.index) }));
      continue;
    }
    const noLabel = columns.labels.find(({ index }) => cell(index) === '');
    if (noLabel) {
      badRows.push(
        badRow(
          'malformed',
          where,
          `${capitalise(where)} has no value in column '${noLabel.name}'; the row was skipped.`,
        ),
      );
      continue;
    }
    const ignoreCell = cell(columns.ignore);
    if (!/^[01]?$/.test(ignoreCell)) {
      badRows.push(
        badRow(
          'malformed',
          where,
          `${capitalise(where)} has '${ignoreCell}' in column '${header[columns.ignore ?? 0]}', which is not 0 or 1 (whether the object is ignored); the row was skipped.`,
        ),
      );
      continue;
    }
    const notYesNo = columns.attributes.find(({ index }) => !/^[01]$/.test(cell(index)));
    if (notYesNo) {
      badRows.push(
        badRow(
          'malformed',
          where,
          `${capitalise(where)} has '${cell(notYesNo.index)}' in the attribute column '${notYesNo.name}', which is not 0 or 1; the row was skipped.`,
        ),
      );
      continue;
    }
    const mapCells = readMapCells(cell, columns, header, root, where);
    if ('bad' in mapCells) {
      badRows.push(mapCells.bad);
      continue;
    }
    accepted.push({
      row,
      where,
      maps: mapCells.maps,
      noObject,
      ...(boxCells ? { box: boxCells.box } : {}),
    });
  }

  const hasBoxes = columns.className !== undefined && accepted.some((a) => a.box !== undefined);
  const boxUnits = hasBoxes
    ? decideUnits(
        accepted.flatMap((a) => (a.box ? [a.box] : [])),
        options.boxUnits,
      )
    : undefined;

  for (const { row, where, box, maps, noObject } of accepted) {
    const cell = (index: number | undefined) =>
      index === undefined ? '' : (row.cells[index] ?? '');
    // Windows paths in a CSV still name the right file on macOS and Linux.
    const file = resolve(root, cell(columns.path).replace(/\\/g, '/'));
    const key = toKey(root, file);
    // Without a class column the rows are dense (maps only) and an image has no objects.
    const objects: ImportedObject[] =
      columns.className === undefined || noObject
        ? []
        : [
            {
              className: cell(columns.className),
              where,
              ...(cell(columns.ignore) === '1' ? { ignore: true } : {}),
              ...(box ? (boxUnits?.units === 'normalized' ? { unitBox: box } : { box }) : {}),
            },
          ];
    const draft = drafts.get(key);
    if (draft) {
      // Several boxed rows are several objects; anything else names the image twice.
      if (
        box &&
        objects.length &&
        !draft.noObject &&
        draft.objects.every((o) => o.box ?? o.unitBox)
      ) {
        draft.objects.push(...objects);
      } else {
        badRows.push(
          badRow(
            'duplicate',
            where,
            `${capitalise(where)} names '${key}' again, after row ${draft.line}, without a box to add; the row was skipped.`,
            'dropped',
            key,
          ),
        );
      }
      continue;
    }
    const split = parseSplitName(cell(columns.split));
    const width = parseNumber(cell(columns.width));
    const height = parseNumber(cell(columns.height));
    const values: Record<string, number> = {};
    for (const { name, index } of columns.values) values[name] = parseNumber(cell(index)) ?? NaN;
    for (const { name, index } of columns.attributes) values[name] = Number(cell(index));
    const labels: Record<string, string> = {};
    for (const { name, index } of columns.labels) labels[name] = cell(index);
    if (columns.labelList !== undefined) {
      for (const name of labelNames(cell(columns.labelList))) values[name] = 1;
    }
    drafts.set(key, {
      key,
      file,
      objects,
      noObject,
      ...maps,
      values,
      labels,
      where,
      line: row.line,
      ...(split ? { split } : {}),
      ...(width !== undefined && height !== undefined ? { width, height } : {}),
    });
  }

  const records: ImportedRecord[] = [...drafts.values()].map(
    ({ line: _line, noObject: _noObject, ...record }) => record,
  );
  const classes =
    listedClasses.get(primaryName) ??
    [...new Set(records.flatMap((r) => r.objects.map((o) => o.className)))].sort(compareText);
  const labelTasks = columns.labels.map(({ name }) => ({
    name,
    classes:
      listedClasses.get(name) ??
      [...new Set(records.map((r) => r.labels?.[name] ?? ''))].sort(compareText),
  }));
  const listedAttributes = targets?.find((t) => t.kind === 'attributes');
  const attributes =
    listedAttributes?.kind === 'attributes'
      ? { name: listedAttributes.name, names: listedAttributes.attributes }
      : attributesOf(columns, header, records, dataRows);
  return {
    format: 'csv',
    root,
    source,
    classes,
    ...(await mapsOfCsv(columns, root, targets)),
    hasBoxes,
    valueColumns: columns.values.map((v) => v.name),
    ...(labelTasks.length ? { labelTasks } : {}),
    ...(attributes ? { attributes } : {}),
    ...(targets ? { targets } : {}),
    records,
    badRows,
    ...(boxUnits ? { boxUnits } : {}),
  };
}
