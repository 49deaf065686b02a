import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SWEEP_FILE, sweepFileSchema } from '../../core/balancing/sweep.ts';
import type { SavedSweep } from '../../core/contract/host.ts';
import { runFolders } from './saved-runs.ts';

/**
 * Every sweep folder in `runsDir` (one holding a readable sweep.json), newest first. Folders
 * without one are not sweeps; a sweep.json that cannot be read is told to `onSkip`.
 */
export async function listSavedSweeps(
  runsDir: string,
  onSkip: (folder: string, reason: string) => void = () => {},
): Promise<SavedSweep[]> {
  const found = await Promise.all(
    (await runFolders(runsDir))
      .map(async (entry) => {
        const file = join(runsDir, entry.name, SWEEP_FILE);
        const text = await readFile(file, 'utf8').catch(() => undefined);
        if (text === undefined) return undefined;
        try {
          const sweep = sweepFileSchema.parse(JSON.parse(text));
          return { id: entry.name, sweep, time: (await stat(file)).mtimeMs };
        } catch (e) {
          onSkip(entry.name, `its ${SWEEP_FILE} cannot be read (${(e as Error).message})`);
          return undefined;
        }
      }),
  );
  return found
    .filter((s) => s !== undefined)
    .sort((a, b) => b.time - a.time)
    .map(({ id, sweep }) => ({ id, sweep }));
}
