import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FILE } from '../runs/run-manifest.ts';

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * A process that was killed or crashed left run.json saying 'running'; make the folder tell the
 * same story as the run-ended event. A folder the process never created is left alone.
 */
export async function markRunEnded(
  dir: string,
  status: 'stopped' | 'failed',
  message: string | undefined,
): Promise<void> {
  const path = join(dir, RUN_FILE);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if (isMissing(e)) return;
    throw e;
  }
  if (manifest.status !== 'running') return;
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(
    temp,
    `${JSON.stringify({ ...manifest, status, ...(message ? { message } : {}) }, null, 2)}\n`,
  );
  await rename(temp, path);
}
