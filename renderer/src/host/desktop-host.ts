import type { DesktopApi } from '../../../core/contract/desktop.ts';
import { DEFAULT_EXPORT } from '../../../core/contract/export.ts';
import type { StudioHost } from '../../../core/contract/host.ts';

declare global {
  interface Window {
    /** Set by the desktop app's preload (electron/preload.ts); absent in a browser. */
    readonly studioDesktop?: DesktopApi;
  }
}

/** The desktop API when the page runs in the desktop app, else undefined. */
export const desktopApi = (): DesktopApi | undefined =>
  typeof window === 'undefined' ? undefined : window.studioDesktop;

/**
 * Electron wraps a main-process refusal as "Error invoking remote method 'run:start': StudioError:
 * <sentence>"; the user should read the sentence only.
 */
export function ipcSentence(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const sentence = message
    .replace(/^Error invoking remote method '[^']*': /, '')
    .replace(/^(?:[A-Za-z]*Error): /, '');
  return new Error(sentence);
}

/** Calls a desktop channel, turning its refusal into the main process's sentence. */
export async function callDesktop<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ipcSentence(error);
  }
}

/** The renderer's host in the desktop app: every request is one channel of the contract. */
export function createDesktopHost(api: DesktopApi): StudioHost {
  return {
    kind: 'desktop',
    listExamples: () => callDesktop(() => api['examples:list'](undefined)),
    listDatasets: () => callDesktop(() => api['datasets:list'](undefined)),
    inspectDataset: (request) => callDesktop(() => api['dataset:inspect'](request)),
    async chooseDataset(choice) {
      if (choice.kind === 'upload') {
        throw new Error(
          'The desktop app reads datasets where they are; choose a file or a folder.',
        );
      }
      return callDesktop(() => api['dataset:choose']({ kind: choice.kind }));
    },
    readModelFile: (name, data) =>
      callDesktop(() => api['model:read']({ name, data: new Uint8Array(data) })),
    startRun: (request) => callDesktop(() => api['run:start'](request)),
    async stopRun(runId) {
      await callDesktop(() => api['run:stop'](runId));
    },
    resumeRun: (runId, options = {}) => callDesktop(() => api['run:resume']({ runId, options })),
    async renameRun(runId, name) {
      await callDesktop(() => api['run:rename']({ runId, name }));
    },
    async exportRun(runId, options = DEFAULT_EXPORT) {
      // Null when the user cancelled the folder dialog: nothing to say.
      await callDesktop(() => api['run:export']({ runId, options }));
    },
    listRuns: () => callDesktop(() => api['runs:list'](undefined)),
    openRun: (runId) => callDesktop(() => api['run:open'](runId)),
    listSweeps: () => callDesktop(() => api['sweeps:list'](undefined)),
    onEvent: (listener) => api.on('host-event', listener),
  };
}
