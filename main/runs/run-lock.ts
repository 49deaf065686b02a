import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { asFileError } from '../fs/file-errors.ts';

/** In a run folder while a process trains it: that process's id. */
export const LOCK_FILE = 'training.lock';

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Whether a process with this id is running (one of another user's counts: it cannot be signalled). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === 'EPERM';
  }
}

async function holderOf(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Takes the run folder for this process, so two trainings of one run (two `train --resume`, or a
 * resume while the run still trains) never write into it at once. The lock is a file created only
 * if absent; one left by a process that has died is taken over. Returns its release.
 */
export async function lockRun(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return async () => {
        if ((await holderOf(path)) === process.pid) await unlink(path).catch(() => undefined);
      };
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') throw asFileError(e, path, 'create');
    }
    let pid = await holderOf(path);
    if (pid === undefined) {
      // The lock may have been created a moment ago and not yet hold its id.
      await new Promise((resolve) => setTimeout(resolve, 100));
      pid = await holderOf(path);
    }
    // A second try that still finds a lock lost a race to a process that took the stale one.
    if (attempt > 0 || (pid !== undefined && isRunning(pid))) {
      throw new StudioError(
        'E_RUN_LOCKED',
        `Run ${dir} is already being trained by process ${pid ?? 'unknown'}; wait for it to end, or stop it, before training it again.`,
      );
    }
    // A lock whose process has gone (killed, or the machine restarted) is taken over.
    await unlink(path).catch((e: unknown) => {
      if (codeOf(e) !== 'ENOENT') throw asFileError(e, path, 'write');
    });
  }
}
