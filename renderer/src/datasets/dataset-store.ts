import { create } from 'zustand';
import type { DatasetInfo, DatasetInspection } from '../../../core/contract/host.ts';
import { defaultDatasetOptions, withOption, type ImportDraft } from './import-draft.ts';

/**
 * Imported datasets of this session and the import dialog's state. Separate from the graph
 * store: the graph holds only the chosen path and options (saved with it); inspections are
 * what the host found in the files, shown and offered as targets until the page closes.
 */
export interface DatasetStore {
  /** Every inspection of the session by dataset path; the latest one of a path wins. */
  readonly inspected: Readonly<Record<string, DatasetInspection>>;
  readonly draft: ImportDraft;
  /** What the host is doing for the dialog: showing a file dialog, uploading, inspecting. */
  readonly busy: 'choosing' | 'inspecting' | undefined;
  /** The host's last refusal, as its sentence. */
  readonly error: string | undefined;
  /** The inspection the dialog shows and the draft it was made from. */
  readonly shown:
    { readonly draft: ImportDraft; readonly inspection: DatasetInspection } | undefined;

  /** Starts the dialog from a draft; the inspection of its path, if any, is shown again. */
  begin(draft: ImportDraft): void;
  setPath(path: string): void;
  setOption(key: string, value: unknown): void;
  setBusy(busy: DatasetStore['busy']): void;
  setError(error: string | undefined): void;
  /** An inspection the host answered for `draft`. */
  addInspection(draft: ImportDraft, inspection: DatasetInspection): void;
}

export function createDatasetStore() {
  return create<DatasetStore>()((set, get) => ({
    inspected: {},
    draft: { path: '', options: defaultDatasetOptions() },
    busy: undefined,
    error: undefined,
    shown: undefined,

    begin(draft) {
      const known = get().inspected[draft.path];
      set({
        draft,
        error: undefined,
        shown: known ? { draft, inspection: known } : undefined,
      });
    },
    setPath(path) {
      set({ draft: { ...get().draft, path }, error: undefined });
    },
    setOption(key, value) {
      const { draft } = get();
      set({ draft: { ...draft, options: withOption(draft.options, key, value) } });
    },
    setBusy(busy) {
      set({ busy, ...(busy ? { error: undefined } : {}) });
    },
    setError(error) {
      set({ error });
    },
    addInspection(draft, inspection) {
      set({
        inspected: { ...get().inspected, [draft.path]: inspection },
        shown: { draft, inspection },
        error: undefined,
      });
    },
  }));
}

export const useDatasetStore = createDatasetStore();

/** The inspected datasets as the run panel and the inspector list them. */
export const importedInfos = (inspected: DatasetStore['inspected']): DatasetInfo[] =>
  Object.values(inspected).map((inspection) => inspection.info);
