import type { Stats } from 'node:fs';
import { StudioError } from '../../core/problems.ts';

/** What was being done to the path, for the sentence: "cannot be read", "cannot be written". */
export type FileAction = 'read' | 'write' | 'create';

const VERB: Record<FileAction, string> = { read: 'read', write: 'write to', create: 'create' };

/** A Node file-system error: it has an errno code such as 'ENOENT' (and often the path). */
export const isFileError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error &&
  typeof (e as NodeJS.ErrnoException).code === 'string' &&
  /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code ?? '');

/** What the failed call was doing, from its system call ("mkdir" creates, "open" reads, …). */
function actionOf(error: NodeJS.ErrnoException): FileAction {
  if (error.syscall === 'mkdir' || error.syscall === 'mkdtemp') return 'create';
  return /write|rename|copy|unlink|rm|symlink|link|chmod|utime|truncate/.test(error.syscall ?? '')
    ? 'write'
    : 'read';
}

/**
 * The one place a file-system error becomes words: each errno code a user can meet, as a sentence
 * naming the path and, where there is one, what to do. No raw "EEXIST: …, mkdir" reaches anyone.
 */
export function fileErrorSentence(
  error: NodeJS.ErrnoException,
  path: string = error.path ?? 'a file',
  action: FileAction = actionOf(error),
): string {
  const verb = VERB[action];
  switch (error.code) {
    case 'ENOENT':
      return action === 'read'
        ? `There is no file ${path}.`
        : `The folder that would hold ${path} does not exist.`;
    case 'EACCES':
    case 'EPERM':
      return action === 'read'
        ? `Multitask Studio may not read ${path}: permission denied; choose a file you can read.`
        : `Multitask Studio may not ${verb} ${path}: permission denied; choose a place you can ${verb}.`;
    case 'EISDIR':
      return `${path} is a folder, not a file.`;
    case 'ENOTDIR':
      return `Part of the path ${path} is a file, not a folder.`;
    case 'EEXIST':
      return `${path} already exists; choose a new name.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `The disk holding ${path} is full; free some space and try again.`;
    case 'EROFS':
      // Only writing fails on a read-only disk, whatever the failed call looked like.
      return `${path} is on a read-only disk, so nothing can be written there; choose a place on a disk that can be written to.`;
    case 'ENAMETOOLONG':
      return `The path ${path} is too long.`;
    case 'ELOOP':
      return `The path ${path} goes round a loop of symbolic links.`;
    case 'EMFILE':
    case 'ENFILE':
      return `Too many files are open to ${verb} ${path}; close some programs and try again.`;
    case 'EBUSY':
      return `${path} is in use by another program; try again when it is free.`;
    case 'EIO':
      return `The disk failed while trying to ${verb} ${path}; check the disk.`;
    case 'EINVAL':
    case 'ENODEV':
    case 'ENXIO':
      return `${path} is not a place files can be ${action === 'read' ? 'read from' : 'written to'}.`;
    default:
      return `Could not ${verb} ${path} (the system said ${error.code ?? 'no more'}).`;
  }
}

/** A file-system error thrown as a StudioError with its sentence; anything else as it is. */
export function asFileError(error: unknown, path: string, action: FileAction): unknown {
  return isFileError(error)
    ? new StudioError('E_FILE', fileErrorSentence(error, path, action))
    : error;
}

/** "a device", "a pipe", "a socket", "a folder": what a path that is not a plain file is. */
export function kindOfPath(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isSocket()) return 'a socket';
  return 'a file';
}
