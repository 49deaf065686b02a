import type {
  DetectionSummary,
  GallerySample,
  HostEvent,
  RunStatus,
} from '../../../core/contract/host.ts';
import type { EventOf, SplitMetrics, TrainingEvent } from '../../../core/contract/training.ts';
import type { GraphDocument, TrainingSettings } from '../../../core/graph/schema.ts';
import type { RunId } from '../../../core/ids.ts';
import { appendBatchLoss, emptySeries, type BatchSeries } from './batch-series.ts';

export type StartedEvent = EventOf<'started'>;
export type EpochEvent = EventOf<'epoch'>;
/** How the training loop ended; the run itself ends with the host's `run-ended`. */
export type TrainingEndEvent = EventOf<'finished'> | EventOf<'stopped'> | EventOf<'failed'>;

export interface RunProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batchesPerEpoch: number;
  readonly samplesPerSec: number;
  readonly etaSeconds: number;
}

export interface Run {
  readonly runId: RunId;
  /** "Run 3 · Keras reference": how the list, the legends and the status name the run. */
  readonly label: string;
  /** The graph document as it was when the run started: later edits do not touch the run. */
  readonly graph: GraphDocument;
  readonly settings: TrainingSettings;
  readonly status: RunStatus;
  /** Stop was asked for and the run has not ended yet. */
  readonly stopping?: boolean;
  readonly started?: StartedEvent;
  readonly progress?: RunProgress;
  /** Per task: the per-batch loss, smoothed and decimated. */
  readonly batchSeries: Readonly<Record<string, BatchSeries>>;
  readonly epochs: readonly EpochEvent[];
  readonly end?: TrainingEndEvent;
  readonly test?: SplitMetrics;
  readonly gallery?: readonly GallerySample[];
  /** Each detection head's per-class AP and precision–recall curves on the test split. */
  readonly detection?: readonly DetectionSummary[];
  /** Why the run failed, as a sentence. */
  readonly message?: string;
  /** Read back from the runs folder rather than trained in this session: no batch losses. */
  readonly earlier?: boolean;
}

export interface RunsState {
  /** Every run of the session, in start order. */
  readonly runs: readonly Run[];
  /** The run in progress (starting or running), if any. */
  readonly activeRunId?: RunId;
  /** The run the status, charts, results and gallery show. */
  readonly selectedRunId?: RunId;
  /** Runs whose curves are overlaid on the selected run's charts. */
  readonly compareRunIds: readonly RunId[];
}

export const initialRunsState: RunsState = { runs: [], compareRunIds: [] };

export const findRun = (state: RunsState, runId: string | undefined): Run | undefined =>
  runId === undefined ? undefined : state.runs.find((r) => r.runId === runId);

/** A run is over when the host said so; until then it may still get events. */
export const isLive = (run: Run | undefined): boolean =>
  run !== undefined && (run.status === 'starting' || run.status === 'running');

/**
 * The run once it is over, else undefined: the selector of what shows an ended run only (its
 * results, Resume), which a run's events then do not re-render while it trains.
 */
export const findEndedRun = (state: RunsState, runId: string | undefined): Run | undefined => {
  const run = findRun(state, runId);
  return run && !isLive(run) ? run : undefined;
};

/** A run has a model to export once it finished, or stopped after at least one whole epoch. */
export const hasModel = (run: Run): boolean =>
  run.status === 'finished' || (run.status === 'stopped' && run.epochs.length > 0);

export function newRun(init: {
  runId: RunId;
  label: string;
  graph: GraphDocument;
  settings: TrainingSettings;
}): Run {
  return { ...init, status: 'starting', batchSeries: {}, epochs: [] };
}

/** A kept run about to train on: its epochs stay, how it ended and its results go. */
export function reopened(run: Run): Run {
  const { runId, label, graph, settings, batchSeries, epochs, started, earlier } = run;
  return {
    runId,
    label,
    graph,
    settings,
    batchSeries,
    epochs,
    status: 'starting',
    ...(started ? { started } : {}),
    ...(earlier ? { earlier } : {}),
  };
}

function applyTrainingEvent(run: Run, event: TrainingEvent): Run {
  switch (event.type) {
    case 'started':
      return {
        ...run,
        status: 'running',
        started: event,
        progress: {
          epoch: 1,
          epochs: event.epochs,
          batch: 0,
          batchesPerEpoch: event.batchesPerEpoch,
          samplesPerSec: 0,
          etaSeconds: Number.NaN,
        },
        batchSeries: Object.fromEntries(event.tasks.map((t) => [t.task, emptySeries()])),
      };
    case 'batch': {
      const batchSeries: Record<string, BatchSeries> = { ...run.batchSeries };
      for (const [task, loss] of Object.entries(event.tasks)) {
        batchSeries[task] = appendBatchLoss(batchSeries[task] ?? emptySeries(), event.step, loss);
      }
      return {
        ...run,
        status: run.status === 'starting' ? 'running' : run.status,
        batchSeries,
        progress: {
          epoch: event.epoch,
          epochs: run.progress?.epochs ?? run.started?.epochs ?? run.settings.epochs,
          batch: event.batch,
          batchesPerEpoch: event.batchesPerEpoch,
          samplesPerSec: event.samplesPerSec,
          etaSeconds: event.etaSeconds,
        },
      };
    }
    case 'epoch':
      return {
        ...run,
        epochs: [...run.epochs, event],
        progress: run.progress && {
          ...run.progress,
          epoch: event.epoch,
          epochs: event.epochs,
          batch: run.progress.batchesPerEpoch,
          samplesPerSec: event.samplesPerSec,
        },
      };
    case 'finished':
    case 'stopped':
      return { ...run, end: event };
    case 'failed':
      return { ...run, end: event, message: event.message };
  }
}

function applyToRun(run: Run, event: HostEvent): Run {
  switch (event.type) {
    case 'run':
      return applyTrainingEvent(run, event.event);
    case 'run-result':
      return {
        ...run,
        ...(event.test ? { test: event.test } : {}),
        gallery: event.gallery,
        ...(event.detection ? { detection: event.detection } : {}),
      };
    case 'run-ended':
      return {
        ...run,
        status: event.status,
        stopping: false,
        message: event.message ?? (event.status === 'failed' ? run.message : undefined),
      };
  }
}

/** The state after one host event; events of runs this session did not start are ignored. */
export function applyHostEvent(state: RunsState, event: HostEvent): RunsState {
  const i = state.runs.findIndex((r) => r.runId === event.runId);
  const run = state.runs[i];
  if (!run) return state;
  const runs = state.runs.slice();
  runs[i] = applyToRun(run, event);
  const ended = event.type === 'run-ended' && state.activeRunId === event.runId;
  return { ...state, runs, ...(ended ? { activeRunId: undefined } : {}) };
}
