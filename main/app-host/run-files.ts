import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { StudioError } from '../../core/problems.ts';
import {
  GRAPH_FILE,
  METRICS_FILE,
  MODEL_DIR,
  MODEL_FILE,
  RUN_FILE,
  WEIGHTS_FILE,
} from '../runs/run-manifest.ts';

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

/**
 * A zip of a run's trained model (TensorFlow.js Layers: model.json + weights.bin) with its
 * graph, metrics and run description, for a browser download.
 */
export async function zipRunModel(dir: string, runId: string): Promise<Uint8Array> {
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!exists) throw new StudioError('E_RUN_UNKNOWN', `There is no run '${runId}'.`);
  const modelDir = join(dir, MODEL_DIR);
  let model: Uint8Array;
  let weights: Uint8Array;
  try {
    // Every checkpoint has the same topology and weight layout, so one that lands between the
    // two reads still gives a loadable pair.
    model = await readFile(join(modelDir, MODEL_FILE));
    weights = await readFile(join(modelDir, WEIGHTS_FILE));
  } catch (e) {
    if (!isMissing(e)) throw e;
    throw new StudioError(
      'E_MODEL_MISSING',
      `The run '${runId}' has no trained model yet; its model is saved at the end of each epoch.`,
    );
  }
  const files: Zippable = {
    [MODEL_FILE]: model,
    // Float weights barely compress, and deflating megabytes would hold up the server.
    [WEIGHTS_FILE]: [weights, { level: 0 }],
  };
  for (const name of [GRAPH_FILE, METRICS_FILE, RUN_FILE]) {
    const bytes = await readFile(join(dir, name)).catch((e: unknown) => {
      if (isMissing(e)) return undefined;
      throw e;
    });
    if (bytes) files[name] = bytes;
  }
  return zipSync(files);
}
