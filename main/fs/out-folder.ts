import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { fileErrorSentence, isFileError, kindOfPath } from './file-errors.ts';
import { systemFolderOf } from './system-folders.ts';

const refuse = (message: string) => new StudioError('E_OUT_FOLDER', message);

/**
 * Checks, before any work, that `path` can become a new run or export folder: not empty, not a
 * file or a device, new or empty, in a real folder the user may write in. Creates nothing;
 * answers the absolute path. `what` names the folder in the sentences ("the run").
 */
export async function checkNewFolder(path: string, what: string): Promise<string> {
  if (path.trim() === '') {
    throw refuse(`The folder for ${what} is an empty path; give a folder, new or empty.`);
  }
  const dir = resolve(path);
  const got = await stat(dir).catch((e: unknown) => e as Error);
  if (!(got instanceof Error)) {
    if (!got.isDirectory()) {
      throw refuse(
        `${dir} is ${kindOfPath(got)}, not a folder; choose a new or empty folder for ${what}.`,
      );
    }
    if ((await readdir(dir).catch(() => [])).length > 0) {
      throw new StudioError(
        'E_RUN_EXISTS',
        `The folder ${dir} is not empty; choose a new or empty folder for ${what} so nothing in it is overwritten.`,
      );
    }
  } else if (isFileError(got) && got.code !== 'ENOENT') {
    throw refuse(fileErrorSentence(got, dir, 'create'));
  }
  await checkCanMakeIn(got instanceof Error ? dirname(dir) : dir, dir, {
    made: `the folder for ${what}`,
    what,
  });
  return dir;
}

/**
 * Checks that `path` can be written as a new file: not an empty path, not a folder or a device,
 * in a folder on disk the user may write in; an existing file only with `replace` (the user said
 * so with `replaceFlag`). Creates nothing; answers the absolute path.
 */
export async function checkNewFile(
  path: string,
  what: string,
  { replace, replaceFlag }: { readonly replace: boolean; readonly replaceFlag: string },
): Promise<string> {
  if (path.trim() === '') throw refuse(`The path for ${what} is empty; give a file name.`);
  const file = resolve(path);
  const got = await stat(file).catch((e: unknown) => e as Error);
  if (!(got instanceof Error)) {
    if (!got.isFile()) {
      throw refuse(`${file} is ${kindOfPath(got)}, not a file; choose a new file for ${what}.`);
    }
    if (!replace) {
      throw new StudioError(
        'E_FILE_EXISTS',
        `${file} already exists; choose a new name for ${what}, or give ${replaceFlag} to replace it.`,
      );
    }
  } else if (isFileError(got) && got.code !== 'ENOENT') {
    throw refuse(fileErrorSentence(got, file, 'write'));
  }
  const parent = dirname(file);
  const folder = await stat(parent).catch((e: unknown) => e as Error);
  if (folder instanceof Error) {
    throw refuse(
      isFileError(folder) && folder.code === 'ENOENT'
        ? `The folder ${parent} for ${what} does not exist.`
        : fileErrorSentence(folder as NodeJS.ErrnoException, parent, 'write'),
    );
  }
  await checkCanMakeIn(parent, file, { made: what, what });
  return file;
}

/**
 * Whether `target`, a new file or folder, can be made under `path`: the nearest folder that
 * exists must be a folder on disk the user may write in. `made` is the thing in the sentences
 * ("the folder for the run"), `what` what it is for ("the run").
 */
async function checkCanMakeIn(
  path: string,
  target: string,
  { made, what }: { readonly made: string; readonly what: string },
): Promise<void> {
  let parent = path;
  for (;;) {
    const info = await stat(parent).catch((e: unknown) => e as Error);
    if (!(info instanceof Error)) {
      if (!info.isDirectory()) {
        throw refuse(`${parent} is ${kindOfPath(info)}, so ${made} cannot be made in it.`);
      }
      break;
    }
    if (isFileError(info) && info.code !== 'ENOENT') {
      throw refuse(fileErrorSentence(info, parent, 'create'));
    }
    if (dirname(parent) === parent) break;
    parent = dirname(parent);
  }
  const system = await systemFolderOf(parent);
  if (system) {
    throw refuse(
      `${target} is inside ${system}, which holds no files; choose a folder on disk for ${what}.`,
    );
  }
  try {
    await access(parent, constants.W_OK);
  } catch (e) {
    throw refuse(
      (e as NodeJS.ErrnoException).code === 'EROFS'
        ? `${parent} is on a read-only disk, so ${made} cannot be made there; choose a folder on a disk that can be written to.`
        : `Multitask Studio may not write in ${parent}, so ${made} cannot be made there; choose another.`,
    );
  }
}
