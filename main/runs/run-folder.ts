import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { asFileError } from '../fs/file-errors.ts';
import { checkNewFolder } from '../fs/out-folder.ts';
import { writeFileAtomic } from '../engine/model-io.ts';

/**
 * Writing a run folder; its layout, schemas and reading are in run-manifest.ts, which loads no
 * engine.
 */
export {
  CHECKPOINT_DIRS,
  BALANCING_FILE,
  GRAPH_FILE,
  LAST_DIR,
  METRICS_FILE,
  MODEL_DIR,
  RUN_FILE,
  metricsFileSchema,
  openRunFolder,
  readRunManifest,
  readRunMetrics,
  runManifestSchema,
  type MetricsFile,
  type OpenedRun,
  type RunManifest,
} from './run-manifest.ts';

export const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
export const slug = (name: string) =>
  name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'graph';

/** Where a run goes: `out` when given, else runs/<time>-<graph name>. Checks it; creates nothing. */
export async function planRunFolder(graph: GraphDocument, out?: string): Promise<{ dir: string; id: string }> {
  const id = `${stamp(new Date())}-${slug(graph.name)}`;
  return { dir: await checkNewFolder(out ?? join('runs', id), 'the run'), id };
}

/** Makes the planned run folder (checked again: time has passed since it was planned). */
export async function createRunFolder(planned: { dir: string; id: string }): Promise<{ dir: string; id: string }> {
  const dir = await checkNewFolder(planned.dir, 'the run');
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw asFileError(e, dir, 'create');
  });
  return { dir, id: planned.id };
}

export const writeJson = (dir: string, file: string, value: unknown) =>
  writeFileAtomic(join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
