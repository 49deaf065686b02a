import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  runIdSchema,
  type SavedRun,
  type SavedRunInfo,
} from '../../core/contract/host.ts';
import { epochEventSchema, type EventOf } from '../../core/contract/training.ts';
import { StudioError } from '../../core/problems.ts';
import {
  openRunFolder,
  readRunGallery,
  readRunManifest,
  readRunMetrics,
  type MetricsFile,
  type RunManifest,
} from './run-manifest.ts';

/**
 * The runs kept in a runs folder, for the list of earlier runs and to show one again. Reads
 * run.json, graph.json and metrics.json only (no engine), and one broken folder never hides the
 * others.
 */

function runInfo(runId: string, manifest: RunManifest, metrics: MetricsFile): SavedRunInfo {
  return {
    runId,
    graphName: manifest.graphName,
    ...(manifest.name !== undefined ? { name: manifest.name } : {}),
    createdAt: manifest.createdAt,
    status: manifest.status,
    epochsCompleted: manifest.epochsCompleted,
    epochs: manifest.settings.epochs,
    dataset: manifest.dataset.name,
    balancing: manifest.settings.balancing.method,
    ...(metrics.test ? { test: metrics.test } : {}),
    ...(manifest.message !== undefined ? { message: manifest.message } : {}),
  };
}

/** The history entries that are whole epoch events; anything else in the file is left out. */
function epochHistory(metrics: MetricsFile): EventOf<'epoch'>[] {
  return metrics.history.flatMap((entry) => {
    const parsed = epochEventSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The entries of `runsDir` named like a run id, runs and sweeps; a missing folder has none. */
export async function runFolders(runsDir: string): Promise<Dirent[]> {
  const entries = await readdir(runsDir, { withFileTypes: true }).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') return [];
    throw e;
  });
  return entries.filter((entry) => entry.isDirectory() && runIdSchema.safeParse(entry.name).success);
}

/**
 * Every run folder in `runsDir`, newest first; the folder's name is the run's id. Files, folders
 * that are not runs and runs whose run.json cannot be read are left out (and told to `onSkip`);
 * a broken metrics.json only costs that run its test metrics. A missing folder has no runs.
 */
export async function listSavedRuns(
  runsDir: string,
  onSkip: (folder: string, reason: string) => void = () => {},
): Promise<SavedRunInfo[]> {
  const found = await Promise.all(
    (await runFolders(runsDir))
      .map(async (entry): Promise<SavedRunInfo | undefined> => {
        const dir = join(runsDir, entry.name);
        let manifest: RunManifest;
        try {
          manifest = await readRunManifest(dir);
        } catch (e) {
          onSkip(entry.name, (e as Error).message);
          return undefined;
        }
        const metrics = await readRunMetrics(dir).catch((e: unknown) => {
          onSkip(entry.name, (e as Error).message);
          return { history: [] };
        });
        return runInfo(entry.name, manifest, metrics);
      }),
  );
  return found
    .filter((run): run is SavedRunInfo => run !== undefined)
    .sort((a, b) =>
      a.createdAt === b.createdAt
        ? b.runId.localeCompare(a.runId)
        : b.createdAt.localeCompare(a.createdAt),
    );
}

/** One kept run read back for display: its description, graph, epoch history and test metrics. */
export async function loadSavedRun(runsDir: string, runId: string): Promise<SavedRun> {
  // The id names a folder: nothing but the id's own characters may reach the disk.
  if (!runIdSchema.safeParse(runId).success) {
    throw new StudioError('E_RUN_UNKNOWN', `There is no run '${runId}'.`);
  }
  const dir = join(runsDir, runId);
  const exists = await readdir(dir).then(
    () => true,
    () => false,
  );
  if (!exists) throw new StudioError('E_RUN_UNKNOWN', `There is no run '${runId}'.`);
  const { manifest, graph } = await openRunFolder(dir);
  const metrics = await readRunMetrics(dir);
  return {
    info: runInfo(runId, manifest, metrics),
    graph,
    settings: manifest.settings,
    backend: manifest.backend,
    datasetSizes: manifest.dataset.sizes,
    ...(manifest.dataset.report ? { datasetReport: manifest.dataset.report } : {}),
    history: epochHistory(metrics),
    gallery: await readRunGallery(dir),
  };
}
