import { join, resolve } from 'node:path';
import { z } from 'zod';
import {
  backendInfoSchema,
  datasetReportSchema,
  splitMetricsSchema,
} from '../../core/contract/training.ts';
import type { Checkpoint } from '../../core/contract/export.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import { trainingSettingsSchema, type GraphDocument } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';
import { datasetTargetSchema } from '../../core/tasks/registry.ts';
import { gallerySampleSchema, type GallerySample } from '../../core/contract/host.ts';
import { fileErrorSentence, isFileError } from '../fs/file-errors.ts';
import { isMissingFile, readRegularText } from '../fs/regular-file.ts';

/**
 * A run folder holds everything a training run produced, readable without the app:
 * run.json (what was trained, on what, how it ended), graph.json (the graph as it was),
 * metrics.json (per-epoch history and the test evaluation), gallery.json (sample predictions on
 * validation images), model/ (TensorFlow.js Layers: the best epoch's model) and last/ (the last
 * epoch's model with the state to resume from); balancing.json beside a model holds the balancing
 * method's state at that epoch.
 * Reading it needs no engine, so the hosts list and open runs without loading TensorFlow.js.
 */
export const RUN_FILE = 'run.json';
export const GRAPH_FILE = 'graph.json';
export const METRICS_FILE = 'metrics.json';
export const MODEL_DIR = 'model';
/** The last epoch's model, with the optimizer and training state to resume from, beside the best one in model/. */
export const LAST_DIR = 'last';
/** In MODEL_DIR: the TensorFlow.js Layers topology and its weights. */
export const MODEL_FILE = 'model.json';
/** Where each checkpoint a user can ask for (evaluate, export) is kept. */
export const CHECKPOINT_DIRS: Record<Checkpoint, string> = { best: MODEL_DIR, last: LAST_DIR };
export const WEIGHTS_FILE = 'weights.bin';
/** The validation samples with each head's prediction, as the results gallery shows them. */
export const GALLERY_FILE = 'gallery.json';
/** In LAST_DIR: epochs and steps done, the controls' state and each other file's checksum. */
export const STATE_FILE = 'state.json';
/** The balancing method's learnable or running state at the checkpointed epoch. */
export const BALANCING_FILE = 'balancing.json';

export const runManifestSchema = z.object({
  format: z.literal('multitask-studio/run'),
  version: z.literal(1),
  id: z.string(),
  createdAt: z.string(),
  graphName: z.string(),
  /** The name the user gave the run; older runs have none and are named after their graph. */
  name: z.string().optional(),
  dataset: z.object({
    name: z.string(),
    seed: z.number().int(),
    limit: z.number().int().optional(),
    imageShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    sizes: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
    /** An imported dataset's bad-row report and split. */
    report: datasetReportSchema.optional(),
    /** The dataset's targets (class names, columns…): what an export says its outputs mean. */
    targets: z.array(datasetTargetSchema).optional(),
  }),
  settings: trainingSettingsSchema,
  backend: backendInfoSchema,
  status: z.enum(['running', 'finished', 'stopped', 'failed']),
  epochsCompleted: z.number().int(),
  /** Images that could not be read during training and were left out of their batches. */
  unreadableDuringTraining: z.number().int().optional(),
  /** The sentence that ended a failed run. */
  message: z.string().optional(),
  /** Why the run ended, one sentence ("stopped early at epoch 9: …; best epoch 6 restored"). */
  endReason: z.string().optional(),
  /** The epoch whose model is in model/ when the best one is kept. */
  bestEpoch: z.number().int().optional(),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

export const metricsFileSchema = z.object({
  /** The epoch whose model is kept in model/ (the best by the monitored value). */
  bestEpoch: z.number().int().optional(),
  history: z.array(z.record(z.string(), z.unknown())),
  test: splitMetricsSchema.optional(),
});
export type MetricsFile = z.infer<typeof metricsFileSchema>;

export interface OpenedRun {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly graph: GraphDocument;
}

const isMissing = isMissingFile;

/** The text of a run's file, read as every file a user points at is (a plain file, bounded). */
const readRunText = (path: string) =>
  readRegularText(path, { what: 'run file' }).catch((e: unknown) => {
    if (e instanceof StudioError && !isMissing(e)) throw new StudioError('E_RUN_INVALID', e.message);
    throw e;
  });

/** One JSON file of a run folder, with a sentence for each way it can be unusable. */
async function readRunJson(dir: string, file: string): Promise<unknown> {
  try {
    return JSON.parse(await readRunText(join(dir, file))) as unknown;
  } catch (e) {
    if (e instanceof StudioError && !isMissing(e)) throw e;
    throw new StudioError(
      'E_RUN_INVALID',
      isMissing(e)
        ? `${dir} is not a Multitask Studio run folder: ${file} is missing.`
        : isFileError(e)
          ? fileErrorSentence(e, join(dir, file), 'read')
          : `${join(dir, file)} cannot be read: ${(e as Error).message}.`,
    );
  }
}

/** The run's description (run.json), checked. */
export async function readRunManifest(dir: string): Promise<RunManifest> {
  const full = resolve(dir);
  const manifest = runManifestSchema.safeParse(await readRunJson(full, RUN_FILE));
  if (!manifest.success) {
    throw new StudioError('E_RUN_INVALID', `${join(full, RUN_FILE)} is not a valid run description.`);
  }
  return manifest.data;
}

/**
 * The run's metrics.json, checked; a run that ended before its first epoch has none, which
 * reads as an empty history.
 */
export async function readRunMetrics(dir: string): Promise<MetricsFile> {
  const full = resolve(dir);
  let raw: unknown;
  try {
    raw = JSON.parse(await readRunText(join(full, METRICS_FILE))) as unknown;
  } catch (e) {
    if (isMissing(e)) return { history: [] };
    if (e instanceof StudioError) throw e;
    throw new StudioError(
      'E_RUN_INVALID',
      isFileError(e)
        ? fileErrorSentence(e, join(full, METRICS_FILE), 'read')
        : `${join(full, METRICS_FILE)} cannot be read: ${(e as Error).message}.`,
    );
  }
  const metrics = metricsFileSchema.safeParse(raw);
  if (!metrics.success) {
    throw new StudioError('E_RUN_INVALID', `${join(full, METRICS_FILE)} is not a valid metrics file.`);
  }
  return metrics.data;
}

/**
 * The run's sample predictions (gallery.json): none for a run that has no gallery (it failed,
 * or was trained before runs kept one) or whose file cannot be read, which costs only the pictures.
 */
export async function readRunGallery(dir: string): Promise<GallerySample[]> {
  try {
    const raw = JSON.parse(await readRunText(join(resolve(dir), GALLERY_FILE))) as unknown;
    const parsed = z.array(gallerySampleSchema).safeParse(raw);
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** Reads a run folder back, with a sentence for each way it can be unusable. */
export async function openRunFolder(dir: string): Promise<OpenedRun> {
  const full = resolve(dir);
  const manifest = await readRunManifest(full);
  const graph = loadGraphDocument(await readRunJson(full, GRAPH_FILE));
  if (!graph.ok) throw graph.error;
  return { dir: full, manifest, graph: graph.document };
}
