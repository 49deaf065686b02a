/**
 * The targets.json the studio's dataset export writes beside annotations.csv: when present, it
 * says each target's kind, class order and columns, which the column contents cannot (class
 * names that are numbers look like values; a class target need not be called 'class').
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type DatasetTarget, datasetTargetSchema } from '../../../core/dataset-target.ts';
import { DATASET_TARGETS } from '../../export/dataset-layout.ts';
import { DatasetError } from '../errors.ts';
import { targetColumns } from '../target-columns.ts';
import { errorReason } from './files.ts';

/** Targets read from a file per image; the import reads one of each kind. */
const MAP_KINDS: readonly DatasetTarget['kind'][] = ['mask', 'depth', 'normals'];

const exportTargetsSchema = z.object({ targets: z.array(datasetTargetSchema).min(1) });

/** The first problem zod found, as "targets[1].classes: Expected array, received string". */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it is not what the export writes';
  const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return `${at ? `${at.replace(/^\./, '')}: ` : ''}${issue.message}`;
}

/**
 * The targets a targets.json in `folder` lists, checked against the CSV's header; undefined when
 * there is no such file. A file that cannot be read, is no export's, or names a column the CSV
 * lacks is one sentence.
 */
export async function readExportTargets(
  folder: string,
  header: readonly string[],
  fileName: string,
): Promise<readonly DatasetTarget[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(folder, DATASET_TARGETS), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DatasetError(
      'E_DATASET_UNREADABLE',
      `${DATASET_TARGETS} beside ${fileName} cannot be read: ${errorReason(error)}.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(
      'E_DATASET_UNREADABLE',
      `${DATASET_TARGETS} beside ${fileName} is not valid JSON: ${errorReason(error)}.`,
    );
  }
  const parsed = exportTargetsSchema.safeParse(json);
  if (!parsed.success) {
    throw new DatasetError(
      'E_DATASET_UNREADABLE',
      `${DATASET_TARGETS} beside ${fileName} is not a dataset export's list of targets (${firstIssue(parsed.error)}); fix or remove it.`,
    );
  }
  const targets = parsed.data.targets as readonly DatasetTarget[];
  const names = new Set<string>();
  for (const target of targets) {
    if (names.has(target.name)) {
      throw new DatasetError(
        'E_DATASET_COLUMNS',
        `${DATASET_TARGETS} beside ${fileName} names the target '${target.name}' twice; fix or remove it.`,
      );
    }
    names.add(target.name);
    const missing = targetColumns(target).find((column) => !header.includes(column));
    if (missing !== undefined) {
      throw new DatasetError(
        'E_DATASET_COLUMNS',
        `${DATASET_TARGETS} gives the target '${target.name}' the column '${missing}', which ${fileName} does not have (its columns are ${header.map((h) => `'${h}'`).join(', ')}); fix or remove ${DATASET_TARGETS}.`,
      );
    }
  }
  const maps = targets.filter((t) => MAP_KINDS.includes(t.kind));
  const twice = maps.find((t, i) => maps.findIndex((u) => u.kind === t.kind) !== i);
  if (twice) {
    throw new DatasetError(
      'E_DATASET_COLUMNS',
      `${DATASET_TARGETS} beside ${fileName} lists more than one ${twice.kind} target ('${twice.name}'), and a CSV import reads one of each; remove the others.`,
    );
  }
  if (!targets.some((t) => t.kind === 'class') && maps.length === 0) {
    throw new DatasetError(
      'E_DATASET_COLUMNS',
      `${DATASET_TARGETS} beside ${fileName} lists no class target and no mask, depth or normals target, and an imported dataset needs one; add it or remove ${DATASET_TARGETS}.`,
    );
  }
  return targets;
}
