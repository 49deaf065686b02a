import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DatasetInspection, InspectDatasetRequest } from '../../core/contract/host.ts';
import type { DatasetOptions } from '../../core/graph/schema.ts';
import { HttpError } from '../web/http-util.ts';

/** What the inspection process answers. */
export type InspectOutcome =
  | { readonly ok: true; readonly inspection: DatasetInspection }
  /** `known`: a sentence about the dataset (answered 400); otherwise the engine failed. */
  | { readonly ok: false; readonly known: boolean; readonly message: string };

export type ParsedInspectRequest = { readonly path: string; readonly options: DatasetOptions };

/** Inspects a dataset; rejects with an HttpError whose message is the sentence to show. */
export type InspectDataset = (
  request: ParsedInspectRequest,
  signal: AbortSignal,
) => Promise<DatasetInspection>;

/** The part of a ChildProcess the runner uses; fork's, or a fake in tests. */
export type InspectChild = Pick<ChildProcess, 'send' | 'kill' | 'once' | 'off'>;

const INSPECT_PROCESS = fileURLToPath(new URL('./inspect-process.ts', import.meta.url));

export const forkInspectProcess = (): InspectChild =>
  fork(INSPECT_PROCESS, [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });

/** Inspections at once: each is a process that may hold a large dataset's index in memory. */
export const MAX_INSPECTIONS = 2;

/**
 * Runs each inspection in a process of its own (see inspect-process.ts), at most MAX_INSPECTIONS
 * at a time; an inspection whose request was abandoned (the page went away) is killed.
 */
export function createInspectRunner(
  spawn: () => InspectChild = forkInspectProcess,
): InspectDataset {
  let running = 0;
  return (request: ParsedInspectRequest | InspectDatasetRequest, signal) => {
    if (running >= MAX_INSPECTIONS) {
      return Promise.reject(
        new HttpError(
          429,
          `${MAX_INSPECTIONS} datasets are being inspected already; try again when one has finished.`,
        ),
      );
    }
    running += 1;
    const child = spawn();
    return new Promise<DatasetInspection>((resolve, reject) => {
      const onMessage = (outcome: InspectOutcome) => {
        finish();
        if (outcome.ok) resolve(outcome.inspection);
        else reject(new HttpError(outcome.known ? 400 : 500, outcome.message));
      };
      const onExit = (code: number | null, signalName: string | null) => {
        finish();
        reject(
          new HttpError(
            500,
            `The dataset inspection ended without an answer (${signalName ?? `exit code ${code}`}).`,
          ),
        );
      };
      const onError = (error: Error) => {
        finish();
        reject(new HttpError(500, `The dataset inspection could not start: ${error.message}`));
      };
      const onAbort = () => {
        finish();
        child.kill();
        reject(new HttpError(499, 'The dataset inspection was abandoned.'));
      };
      let finished = false;
      function finish() {
        if (finished) return;
        finished = true;
        running -= 1;
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
        signal.removeEventListener('abort', onAbort);
      }
      child.once('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      child.send(request);
    });
  };
}
