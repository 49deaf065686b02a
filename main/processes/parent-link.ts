/**
 * The training process's line to whoever started it. Two parents speak two dialects:
 *
 * - `child_process.fork` (the browser host): `process.send` / `process.on('message')`, with a
 *   delivery callback and a 'disconnect' when the parent goes away;
 * - Electron's `utilityProcess.fork` (the desktop app): `process.parentPort`, whose messages come
 *   wrapped in a MessageEvent (`{ data, ports }`) and whose `postMessage` has no callback.
 *
 * In a utility process the parent may also hand over a MessagePort with `{ type: 'events-port' }`
 * (the other end is the renderer's): every message sent afterwards goes to that port too, so
 * progress reaches the window without the main process relaying each event. The link consumes
 * that message itself; the training process never sees it.
 *
 * No Electron import: this runs in plain Node as well, and the types below are the little of
 * Electron's ParentPort and MessagePortMain that is used.
 */

/** The part of an Electron MessagePortMain this link uses. */
export interface EventsPort {
  postMessage(message: unknown): void;
}

/** The part of Electron's `process.parentPort` this link uses. */
export interface ParentPort {
  on(
    event: 'message',
    listener: (messageEvent: { data: unknown; ports: readonly EventsPort[] }) => void,
  ): unknown;
  postMessage(message: unknown): void;
}

/** The part of `process` this link uses; `process` itself, or a fake in tests. */
export interface ParentProcess {
  /** Set by Electron in a utility process; absent (or null) elsewhere. */
  readonly parentPort?: ParentPort | null;
  /** Set by Node when the process was started with an IPC channel (fork). */
  send?(
    message: unknown,
    sendHandle: undefined,
    options: object,
    callback: (error: Error | null) => void,
  ): boolean;
  readonly connected?: boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  exit(code?: number): never;
}

export interface ParentLink {
  readonly kind: 'fork' | 'utility';
  /** Resolves once the message is handed over, so exiting afterwards loses nothing. */
  send(message: unknown): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent went away (fork only: a utility process ends with its parent). */
  onDisconnect(listener: () => void): void;
  /** Ends the process once what was sent has left it. */
  exit(code: number): void;
}

/**
 * `parentPort.postMessage` has no delivery callback; a short pause before exiting lets the
 * message loop hand the last events over. The supervisor waits for them after 'exit' anyway.
 */
export const UTILITY_EXIT_DRAIN_MS = 50;

const isEventsPortMessage = (data: unknown): boolean =>
  typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'events-port';

function connectParentPort(proc: ParentProcess, parentPort: ParentPort): ParentLink {
  let eventsPort: EventsPort | undefined;
  return {
    kind: 'utility',
    send(message) {
      parentPort.postMessage(message);
      eventsPort?.postMessage(message);
      return Promise.resolve();
    },
    onMessage(listener) {
      parentPort.on('message', ({ data, ports }) => {
        if (isEventsPortMessage(data)) {
          eventsPort = ports[0] ?? eventsPort;
          return;
        }
        listener(data);
      });
    },
    onDisconnect() {
      // Electron ends a utility process together with its parent: nothing to listen for.
    },
    exit(code) {
      setTimeout(() => proc.exit(code), UTILITY_EXIT_DRAIN_MS);
    },
  };
}

function connectForkChannel(proc: ParentProcess): ParentLink {
  return {
    kind: 'fork',
    send: (message) =>
      new Promise((resolve) => {
        if (!proc.send || !proc.connected) return resolve();
        proc.send(message, undefined, {}, () => resolve());
      }),
    onMessage(listener) {
      proc.on('message', listener);
    },
    onDisconnect(listener) {
      proc.on('disconnect', listener);
    },
    exit(code) {
      proc.exit(code);
    },
  };
}

/**
 * The link to the parent: Electron's parentPort when there is one, else the fork IPC channel;
 * undefined when the process was started by hand, with neither.
 */
export function connectParent(proc: ParentProcess = process): ParentLink | undefined {
  if (proc.parentPort) return connectParentPort(proc, proc.parentPort);
  if (proc.send) return connectForkChannel(proc);
  return undefined;
}
