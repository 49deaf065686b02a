import { DEFAULT_EXPORT, type ExportOptions } from '../../../core/contract/export.ts';
import type { SavedRunInfo, StudioHost } from '../../../core/contract/host.ts';
import { loadGraphDocument } from '../../../core/graph/load.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { asRunId, type RunId } from '../../../core/ids.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { findRun } from './run-reducer.ts';
import { nextRunName, useRunStore, type RunStoreApi } from './run-store.ts';
import { runDate, savedRunEvents } from './saved-run.ts';

/** The open graph's file name, which names its runs; none for a graph never saved. */
export const currentFileName = (): string | undefined => {
  const { file } = useGraphStore.getState();
  return file.name === 'untitled' ? undefined : file.name;
};

/** The host's refusal as the sentence it carries. */
export const sentenceOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Starts a run of the graph as it is now. The run keeps its own copy of the document, so edits
 * made while it trains change neither the run nor what the panel says about it. The settings
 * travel inside the document (the panel edits the graph's training settings), so the request
 * overrides nothing.
 */
export async function startRun(
  host: Pick<StudioHost, 'startRun'>,
  currentDocument: () => GraphDocument,
  store: RunStoreApi = useRunStore,
  /** The graph's file name, which names the run; the graph's own name when it has none. */
  fileName: () => string | undefined = () => undefined,
): Promise<void> {
  if (store.getState().starting) return;
  // The menu's Start too: never train with other settings than the fields show.
  const invalid = Object.values(store.getState().invalidSettings)[0];
  if (invalid) {
    store.getState().setError(`The run was not started: ${invalid}`);
    return;
  }
  store.getState().setError(undefined);
  store.getState().setStarting(true);
  const graph = structuredClone(currentDocument());
  // The name the panel will show, kept in the run's run.json so it survives a reload.
  const label = nextRunName(fileName() ?? graph.name, graph.name, store.getState());
  try {
    const { runId } = await host.startRun({ graph, settings: {}, name: label });
    store.getState().addRun({ runId: asRunId(runId), graph, settings: graph.training, label });
  } catch (error) {
    store.getState().setError(sentenceOf(error));
  } finally {
    store.getState().setStarting(false);
  }
}

/** Asks the run to stop after the current batch; its end arrives as a host event. */
export async function stopRun(
  host: Pick<StudioHost, 'stopRun'>,
  runId: RunId,
  store: RunStoreApi = useRunStore,
): Promise<void> {
  store.getState().setError(undefined);
  store.getState().markStopping(runId);
  try {
    await host.stopRun(runId);
  } catch (error) {
    store.getState().setError(sentenceOf(error));
  }
}

/** Trains a kept run on from its last epoch to `epochs` in all; its events continue its charts. */
export async function resumeRun(
  host: Pick<StudioHost, 'resumeRun'>,
  runId: RunId,
  epochs: number | undefined,
  store: RunStoreApi = useRunStore,
): Promise<void> {
  const previous = findRun(store.getState(), runId);
  if (!previous) return;
  store.getState().setError(undefined);
  // Reopened before the host answers, so no early event of the resumed run finds it ended.
  store.getState().reopenRun(runId);
  try {
    await host.resumeRun(runId, epochs === undefined ? {} : { epochs });
  } catch (error) {
    store.getState().reopenRun(runId, previous);
    store.getState().setError(sentenceOf(error));
  }
}

/**
 * Renames a run: shown at once, then kept by the host in the run's run.json. When the host
 * refuses, the run gets its old name back and the panel shows the host's sentence.
 */
export async function renameRun(
  host: Pick<StudioHost, 'renameRun'>,
  runId: RunId,
  label: string,
  store: RunStoreApi = useRunStore,
): Promise<void> {
  const name = label.trim();
  const old = findRun(store.getState(), runId)?.label;
  if (old === undefined || name === '' || name === old) return;
  store.getState().setError(undefined);
  store.getState().renameRun(runId, name);
  try {
    await host.renameRun(runId, name);
    const { savedRuns, setSavedRuns } = store.getState();
    setSavedRuns(savedRuns.map((r) => (r.runId === runId ? { ...r, name } : r)));
  } catch (error) {
    store.getState().renameRun(runId, old);
    store.getState().setError(sentenceOf(error));
  }
}

/** Saves the run's trained model where the user chooses (a download in the browser). */
export async function exportRun(
  host: Pick<StudioHost, 'exportRun'>,
  runId: RunId,
  options: ExportOptions = DEFAULT_EXPORT,
  store: RunStoreApi = useRunStore,
): Promise<void> {
  store.getState().setError(undefined);
  try {
    await host.exportRun(runId, options);
  } catch (error) {
    store.getState().setError(sentenceOf(error));
  }
}

/** Reads a kept run and its graph back from the host; the graph is loaded like any document. */
async function readEarlierRun(host: Pick<StudioHost, 'openRun'>, runId: string) {
  const saved = await host.openRun(runId);
  const graph = loadGraphDocument(saved.graph);
  if (!graph.ok) {
    throw new Error(`The graph of the run '${runId}' cannot be read: ${graph.error.message}`);
  }
  return { saved, graph: graph.document };
}

/**
 * Shows a run of an earlier session as a run of this one: its epoch charts, results, compare
 * and export. A run already open is only shown.
 */
export async function openEarlierRun(
  host: Pick<StudioHost, 'openRun'>,
  info: SavedRunInfo,
  store: RunStoreApi = useRunStore,
): Promise<void> {
  store.getState().setError(undefined);
  const runId = asRunId(info.runId);
  if (findRun(store.getState(), runId)) {
    store.getState().select(runId);
    return;
  }
  try {
    const { saved, graph } = await readEarlierRun(host, runId);
    store.getState().addEarlierRun({
      runId,
      label: saved.info.name ?? `${saved.info.graphName} · ${runDate(saved.info.createdAt)}`,
      graph,
      settings: saved.settings,
      events: savedRunEvents(saved, graph),
    });
  } catch (error) {
    store.getState().setError(sentenceOf(error));
  }
}

/** The graph a kept run trained, for the editor; undefined when the host refused (said in the store). */
export async function earlierRunGraph(
  host: Pick<StudioHost, 'openRun'>,
  runId: string,
  store: RunStoreApi = useRunStore,
): Promise<GraphDocument | undefined> {
  store.getState().setError(undefined);
  try {
    return (await readEarlierRun(host, runId)).graph;
  } catch (error) {
    store.getState().setError(sentenceOf(error));
    return undefined;
  }
}
