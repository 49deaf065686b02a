import { constants } from 'node:fs';
import { access, readdir, stat, statfs } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { fileErrorSentence, isFileError, kindOfPath } from './file-errors.ts';

/**
 * File systems that hold no files of ours (statfs types): Node's recursive mkdir spins forever
 * on /proc, and a "folder" made in the others is gone or meaningless.
 */
const SYSTEM_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'the process table /proc'],
  [0x62656572, 'the kernel objects /sys'],
  [0x1cd1, 'the terminals /dev/pts'],
  [0x27e0eb, 'the control groups'],
  [0x63677270, 'the control groups'],
  [0x64626720, 'the kernel debug files'],
  [0x74726163, 'the kernel trace files'],
  [0x73636673, 'the kernel security files'],
  [0xcafe4a11, 'the kernel BPF files'],
]);

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
  // The nearest folder that exists is where the new one would be made.
  let parent = got instanceof Error ? dirname(dir) : dir;
  for (;;) {
    const info = await stat(parent).catch((e: unknown) => e as Error);
    if (!(info instanceof Error)) {
      if (!info.isDirectory()) {
        throw refuse(
          `${parent} is ${kindOfPath(info)}, so no folder for ${what} can be made in it.`,
        );
      }
      break;
    }
    if (isFileError(info) && info.code !== 'ENOENT') {
      throw refuse(fileErrorSentence(info, parent, 'create'));
    }
    if (dirname(parent) === parent) break;
    parent = dirname(parent);
  }
  const system =
    process.platform === 'linux' && (parent === '/dev' || parent.startsWith(`/dev${sep}`))
      ? 'the devices /dev'
      : SYSTEM_FILE_SYSTEMS.get((await statfs(parent).catch(() => undefined))?.type ?? 0);
  if (system) {
    throw refuse(
      `${dir} is inside ${system}, which holds no files; choose a folder on disk for ${what}.`,
    );
  }
  try {
    await access(parent, constants.W_OK);
  } catch {
    throw refuse(
      `Multitask Studio may not write in ${parent}, so the folder for ${what} cannot be made there; choose another.`,
    );
  }
  return dir;
}
