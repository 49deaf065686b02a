import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type { GraphAnalysis } from '../../../core/graph/analyze.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { analysisFor } from './analysis-memo.ts';
import { moveNodes, type EditResult, type Position } from './commands.ts';
import { emptyDocument } from './empty-document.ts';

/**
 * The graph being edited, its analysis, the selection, the file it came from and the undo
 * history. The document is immutable: every edit is a named pure command run through
 * `execute`, which records the document before it as one undo step. Selection and dragging
 * are UI state and never reach the document.
 */

export interface Selection {
  readonly nodeIds: readonly string[];
  readonly edgeIds: readonly string[];
}

export interface FileState {
  /** Base name without `.graph.json`: what Save downloads as `<name>.graph.json`. */
  readonly name: string;
  /** The document differs from the one last opened or saved. */
  readonly dirty: boolean;
}

/** One undo step: what the edit was called and the document before it (after it, for redo). */
export interface HistoryEntry {
  readonly label: string;
  readonly document: GraphDocument;
}

export interface ExecuteOptions {
  /**
   * Consecutive edits with the same key make one undo step: typing "128" into a field is one
   * edit, not three. Any other edit, undo, redo or selection change ends the run.
   */
  readonly coalesce?: string;
}

export interface GraphState {
  readonly document: GraphDocument;
  /** `analyzeGraph(document)`, recomputed only when something it reads has changed. */
  readonly analysis: GraphAnalysis;
  readonly selection: Selection;
  readonly file: FileState;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  /** Names of the steps Undo and Redo would take, for tooltips and menus. */
  readonly undoLabel: string | undefined;
  readonly redoLabel: string | undefined;
  readonly past: readonly HistoryEntry[];
  readonly future: readonly HistoryEntry[];
  /** Counts whole documents arriving (open, template, New): the canvas fits its view to each. */
  readonly loadCount: number;
  /** True between `beginDrag` and `endDrag`. */
  readonly dragging: boolean;

  /** Runs `edit` on the document as one undo step named `label`; false when nothing changed. */
  execute(
    label: string,
    edit: (doc: GraphDocument) => GraphDocument,
    options?: ExecuteOptions,
  ): boolean;
  /** Like `execute` for an edit that may be refused; a refusal leaves everything as it was. */
  attempt(label: string, edit: (doc: GraphDocument) => EditResult): EditResult;
  undo(): void;
  redo(): void;
  select(selection: Partial<Selection>): void;
  /**
   * A document from a file or a template: history cleared, not dirty. `unsaved`: work restored
   * after a crash, which stays dirty until it is saved.
   */
  setDocumentFromFile(name: string, doc: GraphDocument, options?: { unsaved?: boolean }): void;
  /** The document was saved (as `name`): not dirty any more. */
  markSaved(name?: string): void;
  /** Ends a run of coalesced edits (an inspector field lost focus). */
  breakCoalescing(): void;
  /** Dragging: positions follow the pointer without history; `endDrag` records one Move. */
  beginDrag(): void;
  dragNodes(positions: ReadonlyMap<string, Position>): void;
  endDrag(): void;
}

/** Undo steps kept; the oldest go first. */
export const HISTORY_LIMIT = 200;

const EMPTY_SELECTION: Selection = { nodeIds: [], edgeIds: [] };

interface Internal {
  /** The document as last opened or saved, to tell whether there are unsaved changes. */
  savedDocument: GraphDocument;
  coalesceKey: string | undefined;
  dragBase: GraphDocument | undefined;
}

type Store = GraphState & Internal;

const pruneSelection = (selection: Selection, doc: GraphDocument): Selection => {
  if (selection.nodeIds.length === 0 && selection.edgeIds.length === 0) return selection;
  const nodes = new Set(doc.nodes.map((n) => n.id));
  const edges = new Set(doc.edges.map((e) => e.id));
  const nodeIds = selection.nodeIds.filter((id) => nodes.has(id));
  const edgeIds = selection.edgeIds.filter((id) => edges.has(id));
  return nodeIds.length === selection.nodeIds.length && edgeIds.length === selection.edgeIds.length
    ? selection
    : { nodeIds, edgeIds };
};

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, i) => id === b[i]);

/** Everything that follows from a new document and history. */
function derive(
  state: Store,
  document: GraphDocument,
  past: readonly HistoryEntry[],
  future: readonly HistoryEntry[],
): Partial<Store> {
  const dirty = document !== state.savedDocument;
  return {
    document,
    analysis: analysisFor(document, state),
    selection: pruneSelection(state.selection, document),
    file: dirty === state.file.dirty ? state.file : { ...state.file, dirty },
    past,
    future,
    canUndo: past.length > 0,
    canRedo: future.length > 0,
    undoLabel: past.at(-1)?.label,
    redoLabel: future.at(-1)?.label,
  };
}

const capped = (entries: readonly HistoryEntry[]) =>
  entries.length > HISTORY_LIMIT ? entries.slice(entries.length - HISTORY_LIMIT) : entries;

/** The store's behaviour, separate from the React hook so tests can make fresh stores. */
export const graphStateCreator: StateCreator<GraphState> = (rawSet, rawGet) => {
  const set = rawSet as (partial: Partial<Store>) => void;
  const get = rawGet as () => Store;
  const initial = emptyDocument();

  const record = (label: string, next: GraphDocument, options: ExecuteOptions = {}) => {
    const state = get();
    const merge =
      options.coalesce !== undefined &&
      options.coalesce === state.coalesceKey &&
      state.past.length > 0;
    const past = merge ? state.past : capped([...state.past, { label, document: state.document }]);
    set({ ...derive(state, next, past, []), coalesceKey: options.coalesce });
  };

  const store: Store = {
    document: initial,
    analysis: analysisFor(initial),
    selection: EMPTY_SELECTION,
    file: { name: 'untitled', dirty: false },
    canUndo: false,
    canRedo: false,
    undoLabel: undefined,
    redoLabel: undefined,
    past: [],
    future: [],
    loadCount: 0,
    dragging: false,
    savedDocument: initial,
    coalesceKey: undefined,
    dragBase: undefined,

    execute(label, edit, options) {
      const before = get().document;
      const next = edit(before);
      if (next === before) return false;
      record(label, next, options);
      return true;
    },

    attempt(label, edit) {
      const result = edit(get().document);
      if (result.ok && result.document !== get().document) record(label, result.document);
      return result;
    },

    undo() {
      const state = get();
      const entry = state.past.at(-1);
      if (!entry || state.dragging) return;
      set({
        ...derive(state, entry.document, state.past.slice(0, -1), [
          ...state.future,
          { label: entry.label, document: state.document },
        ]),
        coalesceKey: undefined,
      });
    },

    redo() {
      const state = get();
      const entry = state.future.at(-1);
      if (!entry || state.dragging) return;
      set({
        ...derive(
          state,
          entry.document,
          capped([...state.past, { label: entry.label, document: state.document }]),
          state.future.slice(0, -1),
        ),
        coalesceKey: undefined,
      });
    },

    select(selection) {
      const state = get();
      const nodeIds = selection.nodeIds ?? state.selection.nodeIds;
      const edgeIds = selection.edgeIds ?? state.selection.edgeIds;
      if (sameIds(nodeIds, state.selection.nodeIds) && sameIds(edgeIds, state.selection.edgeIds)) {
        return;
      }
      set({ selection: { nodeIds, edgeIds }, coalesceKey: undefined });
    },

    setDocumentFromFile(name, doc, options = {}) {
      const state = get();
      const unsaved = options.unsaved === true;
      // Dirty means "not the saved document": for unsaved work that is a copy no edit returns to.
      const savedDocument = unsaved ? { ...doc } : doc;
      set({
        ...derive({ ...state, savedDocument, selection: EMPTY_SELECTION }, doc, [], []),
        savedDocument,
        file: { name, dirty: unsaved },
        loadCount: state.loadCount + 1,
        coalesceKey: undefined,
        dragBase: undefined,
        dragging: false,
      });
    },

    markSaved(name) {
      const state = get();
      set({
        savedDocument: state.document,
        file: { name: name ?? state.file.name, dirty: false },
      });
    },

    breakCoalescing() {
      if (get().coalesceKey !== undefined) set({ coalesceKey: undefined });
    },

    beginDrag() {
      const state = get();
      if (!state.dragging) set({ dragging: true, dragBase: state.document });
    },

    dragNodes(positions) {
      const state = get();
      const next = moveNodes(state.document, positions);
      if (next !== state.document) set(derive(state, next, state.past, state.future));
    },

    endDrag() {
      const state = get();
      const base = state.dragBase;
      set({ dragging: false, dragBase: undefined });
      if (!base || base === state.document) return;
      set({
        ...derive(
          state,
          state.document,
          capped([...state.past, { label: 'Move', document: base }]),
          [],
        ),
        coalesceKey: undefined,
      });
    },
  };
  return store;
};

/**
 * The editor's graph store. Other panels use it too: the run panel reads
 * `useGraphStore(s => s.document.training)` and edits settings with
 * `useGraphStore.getState().execute('Edit training settings', doc => updateTraining(doc, patch))`.
 */
export const useGraphStore = create<GraphState>()(graphStateCreator);
