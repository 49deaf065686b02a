/**
 * The map columns of a CSV: `mask` (a PNG of class indices), `depth` (a 16-bit PNG with a
 * `depth_scale`, or a .npy) and `normals` (a .npy), each cell a path relative to the CSV. The
 * reader only takes the paths; the check pass opens the files (check-masks.ts).
 */
import { resolve } from 'node:path';
import type { DatasetTarget } from '../../../core/dataset-target.ts';
import type { CsvColumns } from './csv-columns.ts';
import { badRow, capitalise, parseNumber } from './files.ts';
import { readClassNames } from './mask-folder.ts';
import type { BadRow, ImportedIndex, ImportedRecord } from './types.ts';

type MapFields = Pick<ImportedRecord, 'mask' | 'depth' | 'normals'>;

/** A row's map files, or the bad row saying which cell is missing or wrong. */
export function readMapCells(
  cell: (index: number | undefined) => string,
  columns: CsvColumns,
  header: readonly string[],
  root: string,
  where: string,
): { readonly maps: MapFields } | { readonly bad: BadRow } {
  const skip = (why: string) => ({
    bad: badRow('malformed', where, `${capitalise(where)} ${why}; the row was skipped.`),
  });
  // Windows paths in a CSV still name the right file on macOS and Linux.
  const file = (index: number) => resolve(root, cell(index).replace(/\\/g, '/'));
  for (const index of [columns.mask, columns.depth, columns.normals]) {
    if (index !== undefined && cell(index) === '') {
      return skip(`has no file in column '${header[index]}'`);
    }
  }
  let scale: number | undefined;
  if (columns.depthScale !== undefined && cell(columns.depthScale) !== '') {
    const text = cell(columns.depthScale);
    scale = parseNumber(text);
    if (scale === undefined || !(scale > 0) || !Number.isFinite(scale)) {
      return skip(
        `has '${text}' in column '${header[columns.depthScale]}', which is not a positive number of metres per unit`,
      );
    }
  }
  return {
    maps: {
      ...(columns.mask !== undefined ? { mask: file(columns.mask) } : {}),
      ...(columns.depth !== undefined
        ? { depth: { file: file(columns.depth), ...(scale !== undefined ? { scale } : {}) } }
        : {}),
      ...(columns.normals !== undefined ? { normals: file(columns.normals) } : {}),
    },
  };
}

/**
 * What the index says of its maps: a mask's classes come from targets.json, else a classes.txt
 * beside the CSV, else the check pass names them by index.
 */
export async function mapsOfCsv(
  columns: CsvColumns,
  root: string,
  targets: readonly DatasetTarget[] | undefined,
): Promise<Pick<ImportedIndex, 'masks' | 'depthMaps' | 'normalMaps'>> {
  const listed = targets?.find((t) => t.kind === 'mask');
  const classes = listed?.kind === 'mask' ? listed.classes : await readClassNames(root);
  return {
    ...(columns.mask !== undefined ? { masks: classes ? { classes } : {} } : {}),
    ...(columns.depth !== undefined ? { depthMaps: true } : {}),
    ...(columns.normals !== undefined ? { normalMaps: true } : {}),
  };
}
