/**
 * A training process as an Electron utility process, dressed as the run supervisor's
 * TrainingChild. Training needs a process of its own, not the main process and not a worker
 * thread: tfjs-node is a native addon that does not survive worker threads, and an out-of-memory
 * or a native crash must take only the run with it, never the window.
 *
 * Only types come from 'electron' here: `utilityProcess.fork` is passed in, so tests use a fake.
 */
import { EventEmitter } from 'node:events';
import type { ForkOptions, MessagePortMain, utilityProcess } from 'electron';
import type { ParentMessage } from '../../main/processes/process-protocol.ts';
import type { TrainingChild } from '../../main/processes/run-supervisor.ts';

/** What is used of an Electron UtilityProcess (the real one, or a fake in tests). */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  postMessage(message: unknown, transfer?: MessagePortMain[]): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (type: string, location: string, report: string) => void): unknown;
}

/** `utilityProcess.fork`, or a fake. */
export type ForkUtility = (
  modulePath: string,
  args: string[],
  options: ForkOptions,
) => UtilityProcessLike;

/** Electron's own fork, for a compile-time check that it fits ForkUtility. */
export type ElectronFork = typeof utilityProcess.fork;

export interface UtilityChildOptions {
  /**
   * Development: the entry is main/processes/training-process.ts and runs through tsx (the loader's
   * resolved URL, so the working directory does not matter). Production: the bundled JS entry,
   * no loader.
   */
  readonly typescript?: { readonly tsxLoader: string } | undefined;
  /** Where the process's stderr goes (crash traces); stdout only carries TensorFlow's greeting. */
  readonly stderr?: 'inherit' | 'ignore' | 'pipe';
  /**
   * UtilityProcess.kill() ends the process gracefully (SIGTERM on POSIX); one that has not gone
   * this long after is ended with SIGKILL through its pid.
   */
  readonly forceKillAfterMs?: number;
  /** How to SIGKILL a pid (process.kill, or a fake in tests). */
  readonly killPid?: (pid: number, signal: NodeJS.Signals) => void;
}

export const SERVICE_NAME = 'Multitask Studio training';

export interface UtilityChild extends TrainingChild {
  /** Hands the process the port its HostEvents also go to (see main/processes/parent-link.ts). */
  attachEventsPort(port: MessagePortMain): void;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(
    event: 'exit' | 'close',
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The execArgv and other fork options of a training process. */
export function utilityForkOptions(options: UtilityChildOptions = {}): ForkOptions {
  return {
    serviceName: SERVICE_NAME,
    execArgv: options.typescript ? ['--import', options.typescript.tsxLoader] : [],
    stdio: ['ignore', 'ignore', options.stderr ?? 'inherit'],
  };
}

/**
 * Forks `entry` as a utility process. Its 'exit' (a code, never a signal) is passed on as
 * 'exit' only, not 'close': a utility process has no channel to drain, so the supervisor's
 * grace period after 'exit' is what lets the last messages arrive.
 */
export function createUtilityChild(
  fork: ForkUtility,
  entry: string,
  options: UtilityChildOptions = {},
): UtilityChild {
  const forceKillAfterMs = options.forceKillAfterMs ?? 2000;
  const killPid = options.killPid ?? ((pid, signal) => process.kill(pid, signal));
  const events = new EventEmitter();
  const utility = fork(entry, [], utilityForkOptions(options));
  let exited = false;
  let forceKill: NodeJS.Timeout | undefined;
  // The pid is gone from the UtilityProcess once it has exited; keep it for the last SIGKILL.
  let lastPid = utility.pid;

  utility.on('spawn', () => {
    lastPid = utility.pid ?? lastPid;
    events.emit('spawn');
  });
  utility.on('message', (message) => {
    if (!exited) events.emit('message', message);
  });
  utility.on('exit', (code) => {
    if (exited) return;
    exited = true;
    clearTimeout(forceKill);
    events.emit('exit', code, null);
  });
  // A fatal V8 error (out of memory, mostly); Electron still emits 'exit' afterwards.
  utility.on('error', (type, location) => {
    events.emit('error', new Error(`${type} in the training process: ${location}`));
  });

  const child: UtilityChild = {
    get pid() {
      return exited ? undefined : utility.pid;
    },
    send(message: ParentMessage, callback: (error: Error | null) => void) {
      // Posting to a process that has gone crashed the main process in some Electron versions
      // (electron/electron#53923): never post after 'exit'.
      if (exited) {
        queueMicrotask(() => callback(new Error('the training process has exited')));
        return false;
      }
      try {
        utility.postMessage(message);
      } catch (e) {
        queueMicrotask(() => callback(e as Error));
        return false;
      }
      queueMicrotask(() => callback(null));
      return true;
    },
    kill() {
      if (exited) return false;
      const killed = utility.kill();
      clearTimeout(forceKill);
      forceKill = setTimeout(() => {
        if (exited || lastPid === undefined) return;
        try {
          killPid(lastPid, 'SIGKILL');
        } catch {
          // Already gone between the check and the signal: its 'exit' is on the way.
        }
      }, forceKillAfterMs);
      return killed;
    },
    attachEventsPort(port) {
      if (!exited) utility.postMessage({ type: 'events-port' }, [port]);
    },
    on(event: string, listener: Parameters<EventEmitter['on']>[1]) {
      events.on(event, listener);
      return child;
    },
  };
  return child;
}
