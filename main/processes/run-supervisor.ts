import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  hostEventSchema,
  type HostEvent,
  type RunStatus,
  type ResumeRunRequest,
  type StartRunRequest,
} from '../../core/contract/host.ts';
import { StudioError } from '../../core/problems.ts';
import type { ParentMessage } from './process-protocol.ts';
import { markRunEnded } from '../app-host/run-files.ts';
import { readableFolder } from '../engine/atomic-write.ts';
import { LAST_DIR, STATE_FILE } from '../runs/run-manifest.ts';
import {
  DEFAULT_STALL_MINUTES,
  stallTimeoutMs as stallTimeoutFromEnv,
  TrainingProgress,
} from '../runs/stall-watch.ts';

/** What the supervisor needs of a child process; a ChildProcess from fork, or a fake in tests. */
export interface TrainingChild {
  readonly pid?: number | undefined;
  send(message: ParentMessage, callback: (error: Error | null) => void): boolean;
  kill(signal: NodeJS.Signals): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(
    event: 'exit' | 'close',
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface RunInfo {
  readonly runId: string;
  /** The run folder. */
  readonly out: string;
  readonly status: RunStatus;
  /** The training process, while it may still be running. */
  readonly pid?: number;
}

export interface RunSupervisor {
  /** Starts a training process for the request (already checked by the caller) and returns its id. */
  start(request: StartRunRequest): string;
  /** Asks the run to stop after the current batch; kills its process if it has not ended in time. */
  stop(runId: string): void;
  /** Trains the run in `runsDir/<runId>` on from its last epoch, in a new process, same id. */
  resume(runId: string, request: ResumeRunRequest): string;
  /** Stops every run and resolves once each has ended and its process is gone. */
  stopAll(): Promise<void>;
  onEvent(listener: (event: HostEvent) => void): () => void;
  get(runId: string): RunInfo | undefined;
  list(): RunInfo[];
}

export interface RunSupervisorOptions {
  readonly runsDir: string;
  readonly spawn?: () => TrainingChild;
  /** How long a run may take to stop before its process is killed. */
  readonly stopTimeoutMs?: number;
  /** How long to wait after 'exit' for the child's last messages and 'close'. */
  readonly exitGraceMs?: number;
  /** Where protocol problems are reported (they are our bugs, not the user's). */
  readonly log?: (line: string) => void;
  /** Runs that may train at once; a start beyond it is refused with a sentence. Default: no cap. */
  readonly maxRuns?: number;
  /** How the user raises the cap, ending the refusal sentence ("start with --max-runs N"). */
  readonly maxRunsHint?: string;
  /**
   * How long a started run may go without a finished batch (or epoch) before its process is
   * ended as stuck; default: MTS_STALL_MINUTES or 10 minutes.
   */
  readonly stallTimeoutMs?: number;
  /**
   * Asks a stuck training process where it is stuck, for the sentence that ends its run
   * (askProcessWhereStuck: its answering thread names the stuck function, within a minute).
   * Without it a stuck run is ended at once, its place unsaid.
   */
  readonly whereStuck?: (pid: number) => Promise<string | undefined>;
  /**
   * Keeps one training process started ahead of the next run: loading TensorFlow.js and the
   * engine and starting the backend take most of a run's "Starting…" (about 9 s and 5 s of
   * 15 s on two busy cores), so a spare that did it while the user set up the run starts at
   * once. Made when the supervisor is and after each run ends, never while one is starting.
   */
  readonly spare?: boolean;
}

const TRAINING_PROCESS = fileURLToPath(new URL('./training-process.ts', import.meta.url));

/** One process per run, TypeScript through tsx (resolved here, so any working directory will do). */
export const forkTrainingProcess = (): TrainingChild =>
  fork(TRAINING_PROCESS, [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    // stdout carries nothing for us (TensorFlow.js greets there); stderr shows crashes.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });

interface RunRecord {
  readonly runId: string;
  readonly out: string;
  readonly child: TrainingChild;
  status: RunStatus;
  ended: boolean;
  exited: boolean;
  stopRequested: boolean;
  killedAfterStop: boolean;
  /** The last epoch the process reported finished: its model is on disk. */
  epochsCompleted: number;
  /** Where training is, for the sentence that ends a stuck run. */
  readonly progress: TrainingProgress;
  /** Ends the run as stuck unless it moves before it fires. */
  stallTimer?: NodeJS.Timeout | undefined;
  /** The run is stuck, and its process is being asked where before it is ended. */
  asking?: boolean;
  timers: Set<NodeJS.Timeout>;
  /** Resolves when the run has ended and its process is gone. */
  readonly done: Promise<void>;
  settle: () => void;
}

const stamp = (d: Date) =>
  d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');

const UNTOUCHED = 'the graph and earlier runs are untouched';

/** MTS_STALL_MINUTES, or the default when it is unset or (said in the log) not a duration. */
function defaultStallTimeout(log: (line: string) => void): number {
  try {
    return stallTimeoutFromEnv();
  } catch (e) {
    log(`${(e as Error).message} Runs are watched with ${DEFAULT_STALL_MINUTES} minutes instead.`);
    return DEFAULT_STALL_MINUTES * 60_000;
  }
}

/**
 * Runs each training in its own process and turns whatever the process does — reports, exits,
 * crashes, hangs — into the host's event stream, with exactly one `run-ended` per run.
 */
export function createRunSupervisor(options: RunSupervisorOptions): RunSupervisor {
  const runsDir = resolve(options.runsDir);
  const spawn = options.spawn ?? forkTrainingProcess;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  const exitGraceMs = options.exitGraceMs ?? 1000;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stallMs = options.stallTimeoutMs ?? defaultStallTimeout(log);
  const runs = new Map<string, RunRecord>();
  const listeners = new Set<(event: HostEvent) => void>();
  let counter = 0;
  let spare: TrainingChild | undefined;
  let closing = false;

  const prepareSpare = () => {
    if (!options.spare || spare || closing) return;
    const child = spawn();
    spare = child;
    // A spare that ends or fails before it is used is forgotten; the next start forks anew.
    const forget = () => {
      if (spare === child) spare = undefined;
    };
    child.on('exit', forget);
    child.on('error', forget);
  };

  const takeSpare = (): TrainingChild | undefined => {
    const child = spare;
    spare = undefined;
    return child;
  };

  const emit = (event: HostEvent) => {
    for (const listener of [...listeners]) listener(event);
  };

  const later = (record: RunRecord, ms: number, action: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      record.timers.delete(timer);
      action();
    }, ms);
    record.timers.add(timer);
    return timer;
  };

  const clearTimers = (record: RunRecord) => {
    for (const timer of record.timers) clearTimeout(timer);
    record.timers.clear();
  };

  const kill = (record: RunRecord) => {
    try {
      record.child.kill('SIGKILL');
    } catch (e) {
      log(`Could not end the training process of ${record.runId}: ${(e as Error).message}`);
    }
  };

  const maybeSettle = (record: RunRecord) => {
    if (record.ended && record.exited) {
      clearTimers(record);
      record.settle();
      prepareSpare();
    }
  };

  /** The one place a run ends. */
  const end = (record: RunRecord, event: Extract<HostEvent, { type: 'run-ended' }>) => {
    if (record.ended) return;
    record.ended = true;
    record.status = event.status;
    emit(event);
    // A process that has said its last word but lingers is ended, quietly.
    if (!record.exited) later(record, stopTimeoutMs, () => kill(record));
    maybeSettle(record);
  };

  /** The process ended without reporting how the run ended: say it for it. */
  const endUnreported = (record: RunRecord, why: string) => {
    if (record.ended) return;
    const [status, message]: ['stopped' | 'failed', string] = record.killedAfterStop
      ? [
          'stopped',
          `The run did not stop within ${stopTimeoutMs / 1000} s, so its training process was ended; the model of its last finished epoch is kept.`,
        ]
      : [
          'failed',
          record.epochsCompleted > 0
            ? `The training process stopped unexpectedly (${why}); the model of epoch ${record.epochsCompleted}, the last it finished, is kept in the run folder.`
            : `The training process stopped unexpectedly (${why}) before it finished an epoch, so there is no model to keep; ${UNTOUCHED}.`,
        ];
    // run.json still says 'running'; make the folder tell the same story as the event.
    void markRunEnded(record.out, status, message).catch((e: unknown) =>
      log(`Could not record the end of ${record.runId}: ${(e as Error).message}`),
    );
    end(record, { type: 'run-ended', runId: record.runId, status, message });
  };

  /**
   * A process spinning inside the engine (issue 19: WebAssembly's `free` on a corrupted heap)
   * never says so and never reads a stop request: after `stallMs` without progress it is ended,
   * and the run with it, keeping the epochs it finished.
   */
  const stalled = (record: RunRecord) => {
    if (record.ended || record.asking) return;
    const sentence = record.progress.stallSentence(stallMs, record.out);
    const pid = record.child.pid;
    if (options.whereStuck === undefined || pid === undefined) {
      endStalled(record, sentence);
      return;
    }
    record.asking = true;
    void options
      .whereStuck(pid)
      .catch(() => undefined)
      .then((place) => endStalled(record, place === undefined ? sentence : `${sentence} ${place}`));
  };

  const endStalled = (record: RunRecord, message: string) => {
    if (record.ended) return;
    kill(record);
    void markRunEnded(record.out, 'failed', message).catch((e: unknown) =>
      log(`Could not record the end of ${record.runId}: ${(e as Error).message}`),
    );
    end(record, { type: 'run-ended', runId: record.runId, status: 'failed', message });
  };

  /** The run moved (or ended): the stall watch starts over (or stops). */
  const watchStall = (record: RunRecord) => {
    if (record.stallTimer !== undefined) {
      clearTimeout(record.stallTimer);
      record.timers.delete(record.stallTimer);
      record.stallTimer = undefined;
    }
    if (record.progress.armed && !record.ended && !record.asking) {
      record.stallTimer = later(record, stallMs, () => stalled(record));
    }
  };

  const onMessage = (record: RunRecord, raw: unknown) => {
    const parsed = hostEventSchema.safeParse(raw);
    if (!parsed.success) {
      log(`Dropped an invalid message from the training process of ${record.runId}.`);
      return;
    }
    const event = parsed.data;
    if (event.runId !== record.runId) {
      log(`Dropped a message about ${event.runId} from the training process of ${record.runId}.`);
      return;
    }
    if (record.ended) return;
    switch (event.type) {
      case 'run':
        if (event.event.type === 'started') record.status = 'running';
        if (event.event.type === 'epoch') record.epochsCompleted = event.event.epoch;
        if (record.progress.note(event.event) !== 'none') watchStall(record);
        emit(event);
        break;
      case 'run-result':
        emit(event);
        break;
      case 'run-ended':
        end(record, event);
        break;
      default:
        event satisfies never;
    }
  };

  const onExit = (
    record: RunRecord,
    code: number | null,
    signal: NodeJS.Signals | null,
    closed: boolean,
  ) => {
    if (record.exited && !closed) return;
    record.exited = true;
    const why = signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
    // After 'exit' the last messages may still be in the channel; 'close' comes after them.
    if (closed) endUnreported(record, why);
    else if (!record.ended) later(record, exitGraceMs, () => endUnreported(record, why));
    maybeSettle(record);
  };

  const start = (request: StartRunRequest): string =>
    launch(`run-${stamp(new Date())}-${++counter}`, { request });

  const resume = (runId: string, request: ResumeRunRequest): string => {
    const previous = runs.get(runId);
    if (previous && !previous.ended) {
      throw new StudioError('E_RUN_ACTIVE', `The run '${runId}' is still training; stop it first.`);
    }
    if (!existsSync(join(readableFolder(join(runsDir, runId, LAST_DIR)), STATE_FILE))) {
      throw new StudioError(
        'E_NO_CHECKPOINT',
        `The run '${runId}' has no checkpoint to resume from: it did not finish an epoch, or was made before runs kept one.`,
      );
    }
    return launch(runId, { request: {}, resume: request });
  };

  const launch = (
    runId: string,
    message: { request: unknown; resume?: ResumeRunRequest },
  ): string => {
    // A run that has reported its end is leaving (a lingering process is killed soon after).
    const active = [...runs.values()].filter((r) => !r.ended).length;
    if (options.maxRuns !== undefined && active >= options.maxRuns) {
      const max = options.maxRuns;
      throw new StudioError(
        'E_RUN_LIMIT',
        `${active === 1 ? 'A run is' : `${active} runs are`} already training and this host trains at most ${max} at a time; stop ${active === 1 ? 'it' : 'one'} or wait until ${active === 1 ? 'it ends' : 'one ends'}${options.maxRunsHint ? `, or ${options.maxRunsHint}` : ''}.`,
      );
    }
    const out = join(runsDir, runId);
    let settle = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    const child = takeSpare() ?? spawn();
    const record: RunRecord = {
      runId,
      out,
      child,
      status: 'starting',
      ended: false,
      exited: false,
      stopRequested: false,
      killedAfterStop: false,
      epochsCompleted: 0,
      progress: new TrainingProgress(),
      timers: new Set(),
      done,
      settle,
    };
    runs.set(runId, record);
    child.on('message', (message) => onMessage(record, message));
    child.on('exit', (code, signal) => onExit(record, code, signal, false));
    child.on('close', (code, signal) => onExit(record, code, signal, true));
    // Spawning, signalling or the channel failed: the process cannot be trusted to go on.
    const fail = (error: Error) => {
      if (!record.exited) kill(record);
      endUnreported(record, error.message);
    };
    child.on('error', fail);
    child.send({ type: 'start', runId, out, ...message }, (error) => {
      if (error) fail(error);
    });
    return runId;
  };

  const stop = (runId: string) => {
    const record = runs.get(runId);
    if (!record) throw new StudioError('E_RUN_UNKNOWN', `There is no run '${runId}'.`);
    if (record.ended || record.stopRequested) return;
    record.stopRequested = true;
    // A failed send means the process is already going; its exit ends the run.
    record.child.send({ type: 'stop' }, () => undefined);
    later(record, stopTimeoutMs, () => {
      if (record.exited) return;
      record.killedAfterStop = true;
      kill(record);
    });
  };

  const info = (record: RunRecord): RunInfo => ({
    runId: record.runId,
    out: record.out,
    status: record.status,
    ...(record.child.pid !== undefined && !record.exited ? { pid: record.child.pid } : {}),
  });

  prepareSpare();
  return {
    start,
    resume,
    stop,
    async stopAll() {
      closing = true;
      const idle = takeSpare();
      if (idle) idle.kill('SIGKILL');
      for (const record of runs.values()) if (!record.ended) stop(record.runId);
      // Bounded: a process that outlives even SIGKILL must not keep the server from closing.
      let timer: NodeJS.Timeout | undefined;
      const cap = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, stopTimeoutMs + exitGraceMs + 1000);
      });
      await Promise.race([Promise.all([...runs.values()].map((record) => record.done)), cap]);
      clearTimeout(timer);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get: (runId) => {
      const record = runs.get(runId);
      return record ? info(record) : undefined;
    },
    list: () => [...runs.values()].map(info),
  };
}
