import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import {
  backendInfoSchema,
  datasetReportSchema,
  splitMetricsSchema,
} from '../../core/contract/training.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import { trainingSettingsSchema, type GraphDocument } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';
import { writeFileAtomic } from '../engine/model-io.ts';

/**
 * A run folder holds everything a training run produced, readable without the app:
 * run.json (what was trained, on what, how it ended), graph.json (the graph as it was),
 * metrics.json (per-epoch history and the test evaluation) and model/ (TensorFlow.js Layers).
 */
export const RUN_FILE = 'run.json';
export const GRAPH_FILE = 'graph.json';
export const METRICS_FILE = 'metrics.json';
export const MODEL_DIR = 'model';

export const runManifestSchema = z.object({
  format: z.literal('multitask-studio/run'),
  version: z.literal(1),
  id: z.string(),
  createdAt: z.string(),
  graphName: z.string(),
  dataset: z.object({
    name: z.string(),
    seed: z.number().int(),
    limit: z.number().int().optional(),
    imageShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    sizes: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
    /** An imported dataset's bad-row report and split. */
    report: datasetReportSchema.optional(),
  }),
  settings: trainingSettingsSchema,
  backend: backendInfoSchema,
  status: z.enum(['running', 'finished', 'stopped', 'failed']),
  epochsCompleted: z.number().int(),
  /** Images that could not be read during training and were left out of their batches. */
  unreadableDuringTraining: z.number().int().optional(),
  /** The sentence that ended a failed run. */
  message: z.string().optional(),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

export const metricsFileSchema = z.object({
  history: z.array(z.record(z.string(), z.unknown())),
  test: splitMetricsSchema.optional(),
});

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

export interface OpenedRun {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly graph: GraphDocument;
}

/** Reads a run folder back, with a sentence for each way it can be unusable. */
export async function openRunFolder(dir: string): Promise<OpenedRun> {
  const full = resolve(dir);
  const read = async (file: string) => {
    try {
      return JSON.parse(await readFile(join(full, file), 'utf8')) as unknown;
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new StudioError(
        'E_RUN_INVALID',
        missing
          ? `${full} is not a Multitask Studio run folder: ${file} is missing.`
          : `${join(full, file)} cannot be read: ${(e as Error).message}.`,
      );
    }
  };
  const manifest = runManifestSchema.safeParse(await read(RUN_FILE));
  if (!manifest.success) {
    throw new StudioError('E_RUN_INVALID', `${join(full, RUN_FILE)} is not a valid run description.`);
  }
  const graph = loadGraphDocument(await read(GRAPH_FILE));
  if (!graph.ok) throw graph.error;
  return { dir: full, manifest: manifest.data, graph: graph.document };
}
