import type { StudioHost } from '../../../core/contract/host.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { asRunId, type RunId } from '../../../core/ids.ts';
import { useRunStore, type RunStoreApi } from './run-store.ts';

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
): Promise<void> {
  if (store.getState().starting) return;
  store.getState().setError(undefined);
  store.getState().setStarting(true);
  const graph = structuredClone(currentDocument());
  try {
    const { runId } = await host.startRun({ graph, settings: {} });
    store.getState().addRun({ runId: asRunId(runId), graph, settings: graph.training });
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

/** Saves the run's trained model where the user chooses (a download in the browser). */
export async function exportRun(
  host: Pick<StudioHost, 'exportRun'>,
  runId: RunId,
  store: RunStoreApi = useRunStore,
): Promise<void> {
  store.getState().setError(undefined);
  try {
    await host.exportRun(runId);
  } catch (error) {
    store.getState().setError(sentenceOf(error));
  }
}
