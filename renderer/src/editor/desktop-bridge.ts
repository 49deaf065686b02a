import type { DesktopApi, MenuCommand } from '../../../core/contract/desktop.ts';
import type { StudioHost } from '../../../core/contract/host.ts';
import { serializeGraphDocument } from '../../../core/graph/load.ts';
import { graphFileName } from '../graph/files.ts';
import { useGraphStore, type GraphState } from '../graph/graph-store.ts';
import { currentFileName, exportRun, startRun, stopRun } from '../runs/run-actions.ts';
import { useRunStore } from '../runs/run-store.ts';
import { isUntitled, takeRecovered } from './desktop-files.ts';
import type { EditorActions } from './actions.ts';
import { isTypingTarget } from './shortcuts.ts';

/**
 * The desktop app's menu and the editor: menu items send commands, which run the same actions
 * as the toolbar and the keyboard; the editor reports its document so the main process can title
 * the window, autosave and ask before closing.
 */

/** Waits this long after the last edit before reporting the document (a drag is many edits). */
export const DOCUMENT_STATE_DELAY_MS = 400;

/** A text field has the focus: Undo, Cut and Select all belong to it, not to the graph. */
const editingField = (): boolean =>
  typeof document !== 'undefined' && isTypingTarget(document.activeElement);

const currentDocument = () => useGraphStore.getState().document;

/** Runs one menu command. Copy and Paste also come as roles (the page's clipboard events). */
export function runMenuCommand(
  command: MenuCommand,
  actions: EditorActions,
  host: StudioHost,
): void {
  const runs = useRunStore.getState();
  switch (command) {
    case 'new':
    case 'open':
    case 'save':
    case 'saveAs':
    case 'copy':
    case 'paste':
      actions[command]();
      return;
    case 'undo':
    case 'redo':
    case 'selectAll':
    case 'cut':
      if (editingField()) {
        // execCommand is deprecated but still the only way to drive a field's own editing.
        document.execCommand(command);
        return;
      }
      if (command === 'cut') {
        actions.copy();
        actions.deleteSelection();
      } else {
        actions[command]();
      }
      return;
    case 'exportModel': {
      const runId = runs.selectedRunId ?? runs.activeRunId;
      if (!runId) {
        runs.setError('There is no run to export yet: train the graph, then export its model.');
        return;
      }
      void exportRun(host, runId);
      return;
    }
    case 'runTraining':
      if (!useGraphStore.getState().analysis.ok) {
        runs.setError('Fix the problems in the graph first (see Problems).');
        return;
      }
      if (runs.activeRunId !== undefined || runs.starting) return;
      void startRun(host, currentDocument, useRunStore, currentFileName);
      return;
    case 'stopTraining':
      if (runs.activeRunId !== undefined) void stopRun(host, runs.activeRunId);
      return;
    default: {
      const never: never = command;
      throw new Error(`Unknown menu command ${String(never)}`);
    }
  }
}

export interface ReportTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const defaultTimers: ReportTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Reports `document:state` now and after every change of the document or its file state
 * (debounced); returns the function that stops reporting.
 */
export function reportDocumentState(
  api: Pick<DesktopApi, 'document:state'>,
  store: Pick<typeof useGraphStore, 'getState' | 'subscribe'> = useGraphStore,
  timers: ReportTimers = defaultTimers,
  delayMs = DOCUMENT_STATE_DELAY_MS,
): () => void {
  let pending: unknown = null;
  const send = () => {
    pending = null;
    const { file, document: doc } = store.getState();
    api['document:state']({
      name: graphFileName(file.name),
      dirty: file.dirty,
      text: serializeGraphDocument(doc),
      untitled: isUntitled(),
      recovered: takeRecovered(),
    }).catch((e: unknown) => console.warn('Could not report the document state:', e));
  };
  const schedule = () => {
    if (pending !== null) timers.clearTimeout(pending);
    pending = timers.setTimeout(send, delayMs);
  };
  send();
  const unsubscribe = store.subscribe((state: GraphState, previous: GraphState) => {
    if (state.document !== previous.document || state.file !== previous.file) schedule();
  });
  return () => {
    unsubscribe();
    if (pending !== null) timers.clearTimeout(pending);
    pending = null;
  };
}
