import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { isFileError } from '../fs/file-errors.ts';
import { GRAPH_FILE } from './run-manifest.ts';

/** The file or checkpoint folder of the run a write was for, without the name it is written under first. */
function writtenPart(path: string | undefined, dir: string): string {
  const [first] = path ? relative(dir, path).split(sep) : [];
  if (!first || first.startsWith('..') || isAbsolute(first)) return dir;
  return join(dir, first.replace(/\.tmp-[\d-]+$/, '').replace(/\.\d+-\d+\.tmp$/, ''));
}

/**
 * What a failed write into a run folder means for the run, as a sentence: the folder was deleted
 * while training, or the disk is full. `kept` is the last epoch whose checkpoint is complete.
 * Other errors are returned as they are.
 */
export function runWriteError(error: unknown, dir: string, kept: number | undefined): unknown {
  if (error instanceof StudioError || !isFileError(error)) return error;
  if (error.code === 'ENOENT' && !existsSync(join(dir, GRAPH_FILE))) {
    return new StudioError(
      'E_RUN_DELETED',
      `The run folder ${dir} was deleted while training; the run cannot keep its epochs there, so it has ended.`,
    );
  }
  if (error.code === 'ENOSPC' || error.code === 'EDQUOT') {
    const epochs =
      kept === undefined
        ? 'no epoch had finished, so the run has no model; free some space and train again'
        : `the finished epochs (up to ${kept}) are kept in ${dir}; free some space and resume the run`;
    return new StudioError(
      'E_DISK_FULL',
      `The disk is full: ${writtenPart(error.path, dir)} could not be written; ${epochs}.`,
    );
  }
  return error;
}
