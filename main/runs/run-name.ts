import { join } from 'node:path';
import { runIdSchema, runNameSchema } from '../../core/contract/host.ts';
import { StudioError } from '../../core/problems.ts';
import { writeFileAtomic } from '../engine/atomic-write.ts';
import { isMissingFile, readRegularText } from '../fs/regular-file.ts';
import { RUN_FILE, runManifestSchema } from './run-manifest.ts';

/**
 * A run's name lives in its run.json. The host writes it (at a rename); the training process,
 * which rewrites run.json every epoch and at the end, keeps the name it finds there.
 */

const isMissing = isMissingFile;
const readRunFile = (path: string) => readRegularText(path, { what: 'run file' });

/** The name the run's run.json holds now, if any; a missing or unreadable file has none. */
export async function storedRunName(dir: string): Promise<string | undefined> {
  try {
    const raw = JSON.parse(await readRunFile(join(dir, RUN_FILE))) as { name?: unknown };
    const name = runNameSchema.safeParse(raw.name);
    return name.success ? name.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Names the run `runId` of `runsDir`: reads its run.json as it is now, sets `name` and writes it
 * back atomically, so every other field (a training process's latest epoch) stays as it was.
 * Returns the name as kept (trimmed).
 */
export async function renameSavedRun(runsDir: string, runId: string, name: string): Promise<string> {
  // The id names a folder: nothing but the id's own characters may reach the disk.
  if (!runIdSchema.safeParse(runId).success) {
    throw new StudioError('E_RUN_UNKNOWN', `There is no run '${runId}'.`);
  }
  const checked = runNameSchema.safeParse(name);
  if (!checked.success) {
    throw new StudioError(
      'E_RUN_NAME',
      `The run cannot be named so: ${checked.error.issues[0]?.message ?? 'the name is not valid'}.`,
    );
  }
  const dir = join(runsDir, runId);
  const path = join(dir, RUN_FILE);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readRunFile(path)) as Record<string, unknown>;
  } catch (e) {
    if (isMissing(e)) throw new StudioError('E_RUN_UNKNOWN', `There is no run '${runId}'.`);
    throw e;
  }
  // Only a valid run description is rewritten.
  if (!runManifestSchema.safeParse(raw).success) {
    throw new StudioError('E_RUN_INVALID', `${path} is not a valid run description.`);
  }
  await writeFileAtomic(path, `${JSON.stringify({ ...raw, name: checked.data }, null, 2)}\n`);
  return checked.data;
}
