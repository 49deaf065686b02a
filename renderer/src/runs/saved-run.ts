import type { HostEvent, SavedRun, SavedRunInfo } from '../../../core/contract/host.ts';
import type { TrainingEvent } from '../../../core/contract/training.ts';
import { analyzeGraph, taskInfoOf } from '../../../core/graph/analyze.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { balancingParams } from '../../../core/balancing/methods.ts';
import type { StartedEvent } from './run-reducer.ts';

/**
 * A run kept on disk, replayed as the host events a live run sends: a `started` event rebuilt
 * from its description and graph, its stored epoch events, its test metrics and its end. The run
 * reducer then builds it like any run of the session; only the per-batch losses are missing,
 * because run folders do not keep them.
 */

/** Why an earlier run says 'running' although no process trains it any more. */
export const INTERRUPTED =
  'This run did not end normally: the app or its training process closed while it trained. Its finished epochs are kept.';

/** The `started` event the run's trainer sent, as far as its folder tells it. */
export function startedEventOf(saved: SavedRun, graph: GraphDocument): StartedEvent {
  const analysis = analyzeGraph(graph);
  const { settings } = saved;
  return {
    type: 'started',
    backend: saved.backend,
    dataset: {
      name: saved.info.dataset,
      sizes: saved.datasetSizes,
      ...(saved.datasetReport ? { report: saved.datasetReport } : {}),
    },
    tasks: analysis.heads.map(taskInfoOf),
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    batchesPerEpoch: Math.max(1, Math.ceil(saved.datasetSizes.train / settings.batchSize)),
    parameters: analysis.totalParams.trainable + analysis.totalParams.nonTrainable,
    balancing: {
      method: settings.balancing.method,
      params: balancingParams(settings.balancing),
    },
  };
}

/** Every host event that gives a run the state the kept run ended in. */
export function savedRunEvents(saved: SavedRun, graph: GraphDocument): HostEvent[] {
  const { runId, status, test, message } = saved.info;
  const training: TrainingEvent[] = [startedEventOf(saved, graph), ...saved.history];
  if (status === 'finished') {
    // The epochs' own time: what the run's 'finished' event counted, less the evaluation.
    const seconds = saved.history.reduce((sum, e) => sum + e.seconds, 0);
    training.push({ type: 'finished', epochs: saved.info.epochsCompleted, seconds });
  }
  return [
    ...training.map((event): HostEvent => ({ type: 'run', runId, event })),
    ...(test || saved.gallery.length > 0
      ? [{ type: 'run-result' as const, runId, ...(test ? { test } : {}), gallery: saved.gallery }]
      : []),
    status === 'running'
      ? { type: 'run-ended', runId, status: 'stopped', message: INTERRUPTED }
      : { type: 'run-ended', runId, status, ...(message !== undefined ? { message } : {}) },
  ];
}

/** "3 May 2024, 14:05": when an earlier run started, in the user's own format. */
export function runDate(createdAt: string): string {
  const date = new Date(createdAt);
  if (Number.isNaN(date.getTime())) return createdAt;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "Finished", "Stopped", "Failed", or "Interrupted" for a run no process finished. */
export function savedStatusText(info: SavedRunInfo): string {
  switch (info.status) {
    case 'finished':
      return 'Finished';
    case 'stopped':
      return 'Stopped';
    case 'failed':
      return 'Failed';
    case 'running':
      return 'Interrupted';
  }
}
