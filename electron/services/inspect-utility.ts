/**
 * Dataset inspection for the desktop app, in an Electron utility process per request (the same
 * entry the browser host forks), so reading a large dataset never stalls the main process's menus
 * and IPC. Only types come from 'electron': the fork is passed in, so tests use a fake.
 */
import { EventEmitter } from 'node:events';
import {
  createInspectRunner,
  type InspectChild,
  type InspectDataset,
} from '../../main/processes/inspect-runner.ts';
import {
  utilityForkOptions,
  type ForkUtility,
  type UtilityChildOptions,
} from '../training/utility-child.ts';
import type { InspectDatasetPort } from './dataset-access.ts';

export const INSPECT_SERVICE_NAME = 'Multitask Studio dataset inspection';

/** A utility process dressed as the inspection runner's child. */
export function forkInspectUtility(
  fork: ForkUtility,
  entry: string,
  options: UtilityChildOptions = {},
): InspectChild {
  const events = new EventEmitter();
  const utility = fork(entry, [], {
    ...utilityForkOptions(options),
    serviceName: INSPECT_SERVICE_NAME,
  });
  let exited = false;
  utility.on('message', (message) => events.emit('message', message));
  utility.on('exit', (code) => {
    exited = true;
    events.emit('exit', code, null);
  });
  utility.on('error', (type, location) =>
    events.emit('error', new Error(`${type} in the dataset inspection: ${location}`)),
  );
  const child = {
    send(message: unknown) {
      // Never post to a process that has gone (see utility-child.ts).
      if (exited) return false;
      utility.postMessage(message);
      return true;
    },
    kill: () => !exited && utility.kill(),
    once: (event: string, listener: (...args: unknown[]) => void) => {
      events.once(event, listener);
      return child;
    },
    off: (event: string, listener: (...args: unknown[]) => void) => {
      events.off(event, listener);
      return child;
    },
  };
  return child as unknown as InspectChild;
}

/** The desktop handlers' inspector: one utility process per request, at most two at once. */
export function createUtilityInspector(
  fork: ForkUtility,
  entry: string,
  options: UtilityChildOptions = {},
): InspectDatasetPort {
  const run: InspectDataset = createInspectRunner(() => forkInspectUtility(fork, entry, options));
  const never = new AbortController().signal;
  // The channel has validated the request (register-channels.ts): options are filled in.
  return (request) => run(request, never);
}
