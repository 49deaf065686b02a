import { basename, dirname, join } from 'node:path';
import type { FileFilter } from 'electron';
import type { OpenedFile } from '../../core/contract/desktop.ts';
import { EXPORT_FORMAT_TITLES, type ExportOptions } from '../../core/contract/export.ts';
import type { DatasetInfo, ExampleGraph } from '../../core/contract/host.ts';
import { exportRunFiles, writeExportFolder } from '../../main/export/index.ts';
import { listSavedRuns, loadSavedRun } from '../../main/runs/saved-runs.ts';
import { renameSavedRun } from '../../main/runs/run-name.ts';
import { listSavedSweeps } from '../../main/runs/saved-sweeps.ts';
import { readModelConfig } from '../../main/runs/onnx-file.ts';
import type { DesktopHandlers, DesktopParsedRequest } from '../ipc/register-channels.ts';
import { closePromptOptions, decideClose } from './close-prompt.ts';
import { createDatasetAccess, type InspectDatasetPort } from './dataset-access.ts';
import type { DialogPort } from './dialog-port.ts';
import type { FileService } from './file-service.ts';

export const APP_NAME = 'Multitask Studio';
export const GRAPH_SUFFIX = '.graph.json';
export const AUTOSAVE_DELAY_MS = 2000;

/** `.graph.json` first; plain JSON too, because macOS filters only on the last extension. */
export const GRAPH_FILE_FILTERS: FileFilter[] = [
  { name: 'Multitask Studio graphs', extensions: ['graph.json'] },
  { name: 'JSON files', extensions: ['json'] },
];

/** The training side: electron/training/desktop-runs.ts's DesktopRuns fits it. */
export interface RunsPort {
  start(request: DesktopParsedRequest<'run:start'>): Promise<{ runId: string }> | { runId: string };
  stop(runId: string): Promise<void> | void;
  resume(
    runId: string,
    request: DesktopParsedRequest<'run:resume'>['options'],
  ): Promise<{ runId: string }> | { runId: string };
  /**
   * The run's model folder (`<run>/model`); graph.json and metrics.json sit in its parent, the
   * run folder. Runs of earlier sessions are folders in the same runs folder.
   */
  modelDir(runId: string): string;
  /** The folder every run folder is in, this session's and earlier ones. */
  readonly runsDir: string;
}

/** The part of a BrowserWindow the handlers touch; the two macOS calls are optional. */
export interface TitledWindowLike {
  setTitle(title: string): void;
  setDocumentEdited?(edited: boolean): void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DesktopHandlerDeps {
  readonly dialog: DialogPort;
  readonly files: FileService;
  readonly runs: RunsPort;
  readonly listExamples: () => Promise<ExampleGraph[]>;
  readonly listDatasets: () => Promise<DatasetInfo[]> | DatasetInfo[];
  /** Reads and checks a dataset; the engine's own inspection unless a test gives a fake. */
  readonly inspectDataset?: InspectDatasetPort;
  readonly getWindow: () => TitledWindowLike | null;
  /** Where the save dialog starts for a document that has no file yet (e.g. Documents). */
  readonly defaultSaveDir: string;
  readonly timers?: Timers;
  /** Autosave runs in the background; its failures are logged, never thrown at the user. */
  readonly onBackgroundError?: (error: unknown) => void;
  /** A run folder left out of the list of kept runs, and why. */
  readonly onSkippedRun?: (folder: string, reason: string) => void;
}

/** The handlers for `registerChannels` and what the main process needs of the same document. */
export interface DesktopShell {
  readonly handlers: DesktopHandlers;
  /** A file from the command line, the file manager or a second instance; send it as 'file-opened'. */
  openPath(path: string): Promise<OpenedFile>;
  /** The window's close event: true when it may close (after saving, if the user chose Save). */
  confirmClose(): Promise<boolean>;
  /** The editor started a new document: Save must ask where, not overwrite the last file. */
  forgetFile(): void;
  /**
   * The user restored autosaved work of `path` (null: a graph never saved) and it was sent to
   * the editor. Its first report of that document (marked `recovered`) links the document to the
   * file again, so Save writes there; reports still on their way from before cannot undo that.
   * The work is text the page autosaved, so the dataset and weights it names are asked for again
   * in this process's dialogs first; answers the text to send, naming what the user picked.
   */
  expectRecovered(path: string | null, text: string): Promise<string>;
  isDirty(): boolean;
  /** Stops the pending autosave (the app is quitting). */
  dispose(): void;
}

export const windowTitle = (name: string, dirty: boolean) =>
  `${name}${dirty ? '•' : ''} — ${APP_NAME}`;

/** A file name from the renderer's suggestion: no folders, and the graph suffix. */
export function graphFileName(suggested: string): string {
  const base = suggested.replace(/[\\/:*?"<>|]+/g, '-').trim() || 'Untitled';
  return base.endsWith(GRAPH_SUFFIX) ? base : `${base.replace(/\.json$/, '')}${GRAPH_SUFFIX}`;
}

export function createDesktopHandlers(deps: DesktopHandlerDeps): DesktopShell {
  const { dialog, files, runs } = deps;
  const timers: Timers = deps.timers ?? {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  const document = {
    /** The file the document came from or was saved to; only dialogs and the recent menu set it. */
    path: null as string | null,
    name: 'Untitled',
    dirty: false,
    /** The editor's latest text, for Save on close and autosave. */
    text: null as string | null,
  };
  let autosaveTimer: unknown = null;
  /** Restored work the editor has not reported yet, and the file it belongs to. */
  let recovering: { readonly path: string | null } | null = null;

  const datasets = createDatasetAccess({
    dialog,
    inspect:
      deps.inspectDataset ??
      (async (request) =>
        (await import('../../main/datasets/import/inspection.ts')).inspectForHost(request)),
  });

  const displayName = () => (document.path ? basename(document.path) : document.name);

  function updateTitle(): void {
    const window = deps.getWindow();
    window?.setTitle(windowTitle(displayName(), document.dirty));
    window?.setDocumentEdited?.(document.dirty);
  }

  function cancelAutosave(): void {
    if (autosaveTimer !== null) timers.clearTimeout(autosaveTimer);
    autosaveTimer = null;
  }

  function scheduleAutosave(): void {
    cancelAutosave();
    autosaveTimer = timers.setTimeout(() => {
      autosaveTimer = null;
      if (!document.dirty || document.text === null) return;
      files
        .autosave(document.text, displayName(), document.path)
        .catch((e: unknown) => deps.onBackgroundError?.(e));
    }, AUTOSAVE_DELAY_MS);
  }

  async function adopt(path: string): Promise<OpenedFile> {
    const opened = await files.readGraphFile(path);
    datasets.allowGraph(opened.text);
    cancelAutosave();
    recovering = null;
    Object.assign(document, { path, name: opened.name, dirty: false, text: opened.text });
    await files.addRecent(path);
    updateTitle();
    return opened;
  }

  /** Saves the text where it belongs, asking first when it has no file or `saveAs` is set. */
  async function save(
    text: string,
    saveAs: boolean,
    suggestedName: string,
  ): Promise<{ path: string; name: string } | null> {
    let path = saveAs ? null : document.path;
    if (!path) {
      const answer = await dialog.showSaveDialog({
        title: 'Save the graph',
        defaultPath: document.path ?? join(deps.defaultSaveDir, graphFileName(suggestedName)),
        filters: GRAPH_FILE_FILTERS,
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      if (answer.canceled || !answer.filePath) return null;
      path = answer.filePath.endsWith('.json')
        ? answer.filePath
        : `${answer.filePath}${GRAPH_SUFFIX}`;
    }
    // The text is the page's: the datasets it names are not allowed by saving it (a compromised
    // page could name any file); only dialogs and files read from disk allow them.
    await files.saveGraphFile(path, text);
    cancelAutosave();
    recovering = null;
    Object.assign(document, { path, name: basename(path), dirty: false, text });
    await files.addRecent(path);
    await files.clearAutosave();
    updateTitle();
    return { path, name: basename(path) };
  }

  async function exportRun(
    runId: string,
    options: ExportOptions,
  ): Promise<{ folder: string } | null> {
    // The files are made before the dialog, so a run without a model says so at once.
    const files = await exportRunFiles(dirname(runs.modelDir(runId)), options, runId);
    const answer = await dialog.showOpenDialog({
      title: `Export the trained model (${EXPORT_FORMAT_TITLES[options.format]}) to a folder`,
      buttonLabel: 'Export',
      properties: ['openDirectory', 'createDirectory'],
    });
    const folder = answer.filePaths[0];
    if (answer.canceled || !folder) return null;
    await writeExportFolder(folder, files);
    return { folder };
  }

  const handlers: DesktopHandlers = {
    'examples:list': () => deps.listExamples(),
    'datasets:list': () => deps.listDatasets(),
    'dataset:choose': ({ kind }) => datasets.choose(kind),
    'dataset:inspect': (request) => datasets.inspect(request),
    // The bytes are the page's own file; nothing on disk is named or read.
    'model:read': async ({ name, data }) => ({ model: await readModelConfig(data, name) }),
    'run:start': (request) => {
      // The training process reads the dataset the run names: like inspection, only one the
      // user chose here or one a graph opened by this process names.
      const graphDataset = (request.graph as { training?: { dataset?: unknown } } | null)?.training
        ?.dataset;
      const dataset =
        request.settings.dataset ?? (typeof graphDataset === 'string' ? graphDataset : 'digits');
      datasets.assertMayTrainOn(dataset);
      // The weights a run starts from are a host path too: only one a graph read from disk names.
      const graphWeights = (request.graph as { training?: { initialWeights?: unknown } } | null)
        ?.training?.initialWeights;
      const weights =
        request.settings.initialWeights ??
        (typeof graphWeights === 'string' ? graphWeights : undefined);
      if (weights) datasets.assertMayStartFrom(weights);
      return runs.start(request);
    },
    'run:stop': (runId) => runs.stop(runId),
    // The run's folder is under the runs folder by its checked id; its graph names its dataset,
    // which this process let it train on when it started.
    'run:resume': ({ runId, options }) => runs.resume(runId, options),
    'run:rename': async ({ runId, name }) => {
      await renameSavedRun(runs.runsDir, runId, name);
    },
    'run:export': ({ runId, options }) => exportRun(runId, options),
    'runs:list': () => listSavedRuns(runs.runsDir, deps.onSkippedRun),
    // The IPC layer has checked the id, and loadSavedRun checks it again before any disk read.
    'run:open': (runId) => loadSavedRun(runs.runsDir, runId),
    'sweeps:list': () => listSavedSweeps(runs.runsDir, deps.onSkippedRun),
    'file:open': async () => {
      const answer = await dialog.showOpenDialog({
        title: 'Open a graph',
        filters: GRAPH_FILE_FILTERS,
        properties: ['openFile'],
      });
      const path = answer.filePaths[0];
      if (answer.canceled || !path) return null;
      return adopt(path);
    },
    'file:save': ({ text, saveAs, suggestedName }) => save(text, saveAs, suggestedName),
    'document:state': ({ name, dirty, text, untitled, recovered }) => {
      Object.assign(document, { name, dirty, text });
      if (untitled) document.path = null;
      if (recovered && recovering) {
        document.path = recovering.path;
        recovering = null;
      }
      updateTitle();
      if (dirty) scheduleAutosave();
      else cancelAutosave();
    },
  };

  return {
    handlers,
    openPath: adopt,
    async confirmClose() {
      const decision = await decideClose(
        document,
        async () => (await dialog.showMessageBox(closePromptOptions(displayName()))).response,
      );
      if (decision === 'cancel') return false;
      if (decision === 'save-then-close') {
        const saved = await save(document.text ?? '', false, document.name);
        if (!saved) return false;
      }
      cancelAutosave();
      // Saved, or the user chose Don't Save: either way nothing is left to recover.
      await files.clearAutosave();
      return true;
    },
    forgetFile() {
      document.path = null;
    },
    async expectRecovered(path, text) {
      const confirmed = await datasets.confirmRestored(text);
      recovering = { path };
      return confirmed;
    },
    isDirty: () => document.dirty,
    dispose: cancelAutosave,
  };
}
