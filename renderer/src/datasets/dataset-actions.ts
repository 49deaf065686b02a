import type { DatasetChoice, StudioHost } from '../../../core/contract/host.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import type { DatasetStore } from './dataset-store.ts';
import { applyImportedDataset, invalidOptionKeys, type ImportDraft } from './import-draft.ts';

type Store = Pick<
  DatasetStore,
  'draft' | 'busy' | 'setBusy' | 'setError' | 'addInspection' | 'setPath'
>;
type StoreApi = { getState(): Store };

const sentence = (error: unknown) =>
  error instanceof Error ? error.message : 'The host could not read the dataset.';

/** Asks the host to read and check the draft's dataset; the answer is shown and remembered. */
export async function inspectDraft(
  host: Pick<StudioHost, 'inspectDataset'>,
  store: StoreApi,
): Promise<boolean> {
  const { draft, busy } = store.getState();
  if (busy) return false;
  const path = draft.path.trim();
  if (!path) {
    store.getState().setError('Give the path of a dataset first.');
    return false;
  }
  if (invalidOptionKeys(draft.options).size > 0) {
    store.getState().setError('Some options are out of their bounds; correct the marked fields.');
    return false;
  }
  const asked: ImportDraft = { path, options: draft.options };
  store.getState().setBusy('inspecting');
  try {
    const inspection = await host.inspectDataset(asked);
    store.getState().addInspection(asked, inspection);
    return true;
  } catch (error) {
    store.getState().setError(sentence(error));
    return false;
  } finally {
    store.getState().setBusy(undefined);
  }
}

/**
 * A native dialog (desktop) or an upload (browser) gives the dataset's path on the host's
 * machine; it is inspected at once. Nothing happens when the user cancels.
 */
export async function chooseAndInspect(
  host: Pick<StudioHost, 'chooseDataset' | 'inspectDataset'>,
  store: StoreApi,
  choice: DatasetChoice,
): Promise<void> {
  if (store.getState().busy) return;
  store.getState().setBusy('choosing');
  let path: string | null;
  try {
    path = await host.chooseDataset(choice);
  } catch (error) {
    store.getState().setError(sentence(error));
    return;
  } finally {
    store.getState().setBusy(undefined);
  }
  if (path === null) return;
  store.getState().setPath(path);
  await inspectDraft(host, store);
}

/** "Use this dataset": the graph's training dataset and options, one undoable edit. */
export function adoptInspectedDataset(draft: ImportDraft): boolean {
  return useGraphStore
    .getState()
    .execute('Use imported dataset', (doc) => applyImportedDataset(doc, draft));
}
