import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';
import { writeFileAtomic } from '../engine/model-io.ts';

/**
 * Writing a run folder; its layout, schemas and reading are in run-manifest.ts, which loads no
 * engine.
 */
export {
  CHECKPOINT_DIRS,
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

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
const slug = (name: string) =>
  name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'graph';

/** A new run folder: `out` when given (it must not already hold a run), else runs/<time>-<graph>. */
export async function createRunFolder(graph: GraphDocument, out?: string): Promise<{ dir: string; id: string }> {
  const now = new Date();
  const id = `${stamp(now)}-${slug(graph.name)}`;
  const dir = resolve(out ?? join('runs', id));
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) {
    throw new StudioError(
      'E_RUN_EXISTS',
      `The folder ${dir} is not empty; choose a new or empty folder for the run so nothing in it is overwritten.`,
    );
  }
  await mkdir(dir, { recursive: true });
  return { dir, id };
}

export const writeJson = (dir: string, file: string, value: unknown) =>
  writeFileAtomic(join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
