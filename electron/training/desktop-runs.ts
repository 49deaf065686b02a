/**
 * Training in the desktop app: the run supervisor of the browser host (one process per run,
 * stop → kill after a timeout, exactly one `run-ended` per run, a crash marks only that run
 * failed) with Electron utility processes instead of forked Node processes. The main process only
 * routes: it starts and stops runs and passes HostEvents to the window.
 *
 * ## How events reach the renderer
 *
 * Relay (always available): every HostEvent the supervisor emits (validated there with
 * hostEventSchema) is passed to `send`, i.e. `webContents.send(channel, event)`.
 *
 * Direct port (with `ports`): the documented pattern for a utility process talking to a window.
 * For each run the main process makes a `MessageChannelMain`, hands `port1` to the training
 * process (`{ type: 'events-port' }`, before the start message, so no event misses it) and `port2`
 * to the renderer, e.g.
 *
 * ```ts
 * ports: {
 *   create: () => new MessageChannelMain(),
 *   transfer: (runId, port) => win.webContents.postMessage('host-port', { runId }, [port]),
 * }
 * ```
 *
 * The training process then posts every HostEvent to its parent and to that port, and the
 * renderer reads progress straight from the port (`ipcRenderer.on('host-port', (e, { runId }) =>
 * e.ports[0]`; it re-validates with hostEventSchema, as every consumer of the contract does). The
 * main process no longer relays that run's events, except the `run-ended` the supervisor says on
 * behalf of a process that crashed, was killed or exited without a word: the port never carried
 * that one. The port closes when the process exits.
 */
import { join } from 'node:path';
import type { MessagePortMain } from 'electron';
import type { HostEvent, ResumeRunRequest, StartRunRequest } from '../../core/contract/host.ts';
import { MODEL_DIR } from '../../main/runs/run-manifest.ts';
import { askProcessWhereStuck } from '../../main/runs/stuck-place.ts';
import { createRunSupervisor, type RunInfo } from '../../main/processes/run-supervisor.ts';
import {
  createUtilityChild,
  type ForkUtility,
  type UtilityChild,
  type UtilityChildOptions,
} from './utility-child.ts';

export interface EventPorts {
  /** A new channel per run: `() => new MessageChannelMain()`. */
  create(): { port1: MessagePortMain; port2: MessagePortMain };
  /** Gives the renderer its end: `webContents.postMessage('host-port', { runId }, [port])`. */
  transfer(runId: string, port: MessagePortMain): void;
}

export interface DesktopRunsOptions {
  /** Where run folders go: `join(app.getPath('userData'), 'runs')`. */
  readonly runsDir: string;
  /** `utilityProcess.fork` (only once the app is ready), or a fake. */
  readonly fork: ForkUtility;
  /** The training process's entry: main/processes/training-process.ts, or its bundle. */
  readonly entry: string;
  readonly child?: UtilityChildOptions;
  /** Passes a HostEvent to the window: `(event) => win.webContents.send('host-event', event)`. */
  readonly send: (event: HostEvent) => void;
  /** The direct path for progress; without it every event is relayed through `send`. */
  readonly ports?: EventPorts;
  readonly stopTimeoutMs?: number;
  readonly exitGraceMs?: number;
  readonly log?: (line: string) => void;
}

export interface DesktopRuns {
  /** Starts a run in a fresh training process; the request was checked by the IPC layer. */
  start(request: StartRunRequest): { runId: string };
  /** Trains a kept run on from its last epoch in a fresh training process, under the same id. */
  resume(runId: string, request: ResumeRunRequest): { runId: string };
  /** Asks the run to stop between batches; its process is killed if it has not in time. */
  stop(runId: string): void;
  /**
   * The folder of the run's trained model (model.json + weights.bin), for export; for a run this
   * session did not start, the one in its folder under the runs folder.
   */
  modelDir(runId: string): string;
  /** The folder every run folder is in, this session's and earlier ones. */
  readonly runsDir: string;
  /** Every HostEvent, for the main process's own use (menus, export); returns the unsubscribe. */
  onEvent(listener: (event: HostEvent) => void): () => void;
  list(): RunInfo[];
  /** Stops every run (on quit) and resolves once each has ended and its process is gone. */
  stopAll(): Promise<void>;
}

interface Spawned {
  readonly child: UtilityChild;
  readonly rendererPort: MessagePortMain | undefined;
  /** The process said `run-ended` itself, so the renderer's port carried it. */
  reportedEnd: boolean;
}

const isRunEnded = (message: unknown) =>
  typeof message === 'object' &&
  message !== null &&
  (message as { type?: unknown }).type === 'run-ended';

export function createDesktopRuns(options: DesktopRunsOptions): DesktopRuns {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  /** Runs whose renderer reads the process's port: relay only what the port cannot carry. */
  const direct = new Map<string, Spawned>();
  let spawned: Spawned | undefined;

  const spawn = (): UtilityChild => {
    const child = createUtilityChild(options.fork, options.entry, options.child);
    let rendererPort: MessagePortMain | undefined;
    if (options.ports) {
      const { port1, port2 } = options.ports.create();
      child.attachEventsPort(port1);
      rendererPort = port2;
    }
    const record: Spawned = { child, rendererPort, reportedEnd: false };
    // Registered before the supervisor's own listener, so it is known before the event is routed.
    child.on('message', (message) => {
      if (isRunEnded(message)) record.reportedEnd = true;
    });
    spawned = record;
    return child;
  };

  const supervisor = createRunSupervisor({
    runsDir: options.runsDir,
    spawn,
    log,
    // A stuck run's sentence says where its process was stuck (training-process.ts answers).
    whereStuck: askProcessWhereStuck,
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
    ...(options.exitGraceMs !== undefined ? { exitGraceMs: options.exitGraceMs } : {}),
  });

  const relay = (event: HostEvent) => {
    const record = direct.get(event.runId);
    if (record && (event.type !== 'run-ended' || record.reportedEnd)) return;
    try {
      options.send(event);
    } catch (e) {
      // The window is gone (closed while a run goes on); the run itself is unaffected.
      log(`Could not pass an event of ${event.runId} to the window: ${(e as Error).message}`);
    }
  };
  supervisor.onEvent(relay);

  /** Starts a process through the supervisor and hands the window its events port. */
  const withPort = (launch: () => string): { runId: string } => {
    spawned = undefined;
    const runId = launch();
    const record = spawned as Spawned | undefined;
    if (record?.rendererPort && options.ports) {
      try {
        options.ports.transfer(runId, record.rendererPort);
        direct.set(runId, record);
      } catch (e) {
        // No port for the window: this run's events go the relay way, every one of them.
        log(`Could not give the window the events port of ${runId}: ${(e as Error).message}`);
      }
    }
    return { runId };
  };

  return {
    start: (request) => withPort(() => supervisor.start(request)),
    resume: (runId, request) => withPort(() => supervisor.resume(runId, request)),
    stop: (runId) => supervisor.stop(runId),
    // A run of an earlier session is a folder in the same runs folder and exports the same way
    // (as in the browser host); the IPC layer has checked the id, so it names no other folder.
    modelDir: (runId) =>
      join(supervisor.get(runId)?.out ?? join(options.runsDir, runId), MODEL_DIR),
    runsDir: options.runsDir,
    onEvent: (listener) => supervisor.onEvent(listener),
    list: () => supervisor.list(),
    stopAll: () => supervisor.stopAll(),
  };
}
