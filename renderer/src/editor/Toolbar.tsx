import { useEffect, useRef, type ChangeEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { graphFileName } from '../graph/files.ts';
import { freezable } from '../graph/freeze.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { useHost } from '../host/host-context.tsx';
import {
  EMPTY_TEMPLATE,
  openFile,
  openTemplate,
  REFERENCE_TEMPLATE,
  useEditorActions,
} from './actions.ts';
import { SaveAsDialog } from './FileDialogs.tsx';
import { ShortcutsDialog } from './ShortcutsDialog.tsx';
import { tooltip, type CommandId } from './shortcuts.ts';
import { SummaryDialog } from './SummaryDialog.tsx';
import { useUiStore } from './ui-store.ts';
import { useDesktopBridge } from './use-desktop-bridge.ts';
import { useShortcuts } from './use-shortcuts.ts';
import './editor.css';

interface ToolButton {
  /** The accessible name where the text alone does not say it ("?"). */
  readonly name?: string;
  readonly command: CommandId;
  readonly text: string;
  readonly testId: string;
}

const FILE_BUTTONS: readonly ToolButton[] = [
  { command: 'new', text: 'New', testId: 'btn-new' },
  { command: 'open', text: 'Open…', testId: 'btn-open' },
  { command: 'save', text: 'Save', testId: 'btn-save' },
  { command: 'saveAs', text: 'Save as…', testId: 'btn-save-as' },
];

const EDIT_BUTTONS: readonly ToolButton[] = [
  { command: 'copy', text: 'Copy', testId: 'btn-copy' },
  { command: 'paste', text: 'Paste', testId: 'btn-paste' },
  { command: 'duplicate', text: 'Duplicate', testId: 'btn-duplicate' },
  { command: 'delete', text: 'Delete', testId: 'btn-delete' },
  { command: 'freeze', text: 'Freeze', testId: 'btn-freeze' },
];

/** One button for both, so the toolbar keeps to one line at 1280 pixels: Unfreeze when all are frozen. */
const UNFREEZE_BUTTON: ToolButton = {
  command: 'unfreeze',
  text: 'Unfreeze',
  testId: 'btn-unfreeze',
};

const VIEW_BUTTONS: readonly ToolButton[] = [
  { command: 'layout', text: 'Auto-layout', testId: 'btn-layout' },
  { command: 'fitView', text: 'Fit view', testId: 'btn-fit' },
  { command: 'summary', text: 'Summary', testId: 'btn-summary' },
  { command: 'shortcuts', text: '?', testId: 'btn-shortcuts', name: 'Keyboard shortcuts' },
];

/** Whether the studio still shows the untouched start-up graph (so a template may replace it). */
const untouched = () => {
  const s = useGraphStore.getState();
  return s.loadCount === 0 && !s.canUndo && !s.file.dirty;
};

/**
 * File, edit and view commands, the template picker and the keyboard shortcuts. Opens the
 * reference template on start so the studio begins with a working example.
 */
export function Toolbar() {
  const host = useHost();
  const actions = useEditorActions();
  const file = useGraphStore((s) => s.file);
  const canUndo = useGraphStore((s) => s.canUndo);
  const canRedo = useGraphStore((s) => s.canRedo);
  const undoLabel = useGraphStore((s) => s.undoLabel);
  const redoLabel = useGraphStore((s) => s.redoLabel);
  const hasNodeSelection = useGraphStore((s) => s.selection.nodeIds.length > 0);
  // Freeze and Unfreeze apply to the selected nodes with weights that are not (are) frozen.
  const { toFreeze, toUnfreeze } = useGraphStore(
    useShallow((s) => freezable(s.document, s.selection.nodeIds)),
  );
  const hasSelection = useGraphStore(
    (s) => s.selection.nodeIds.length + s.selection.edgeIds.length > 0,
  );
  const examples = useUiStore((s) => s.examples);
  const dialog = useUiStore((s) => s.dialog);
  const fileInput = useRef<HTMLInputElement>(null);
  useShortcuts(actions, host);
  useDesktopBridge(actions, host);

  useEffect(() => {
    let live = true;
    host
      .listExamples()
      .then((list) => {
        if (!live) return;
        useUiStore.getState().setExamples(list);
        const start = list.find((e) => e.id === REFERENCE_TEMPLATE) ?? list[0];
        if (start && untouched()) openTemplate(start.id);
      })
      .catch((e: unknown) => {
        if (live)
          useUiStore
            .getState()
            .showNotice(
              `Could not list the example graphs: ${e instanceof Error ? e.message : String(e)}`,
            );
      });
    return () => {
      live = false;
    };
  }, [host]);

  const onFileChosen = (e: ChangeEvent<HTMLInputElement>) => {
    const chosen = e.target.files?.[0];
    // Cleared so choosing the same file again still fires a change.
    e.target.value = '';
    if (chosen) void openFile(chosen);
  };

  const onTemplate = (e: ChangeEvent<HTMLSelectElement>) => {
    const id = e.target.value;
    e.target.value = '';
    // Give the keyboard back to the canvas: shortcuts are ignored while a field has focus.
    e.target.blur();
    if (id) openTemplate(id);
  };

  const enabled = (command: CommandId): boolean => {
    switch (command) {
      case 'copy':
      case 'duplicate':
        return hasNodeSelection;
      case 'delete':
        return hasSelection;
      case 'freeze':
        return toFreeze > 0;
      case 'unfreeze':
        return toUnfreeze > 0;
      default:
        return true;
    }
  };

  const button = (b: ToolButton) => (
    <button
      type="button"
      key={b.testId}
      data-testid={b.testId}
      className={
        b.command === 'freeze' || b.command === 'unfreeze' ? 'studio-freeze-button' : undefined
      }
      title={tooltip(b.command)}
      aria-label={b.name}
      disabled={!enabled(b.command)}
      onClick={() => actions[b.command]()}
    >
      {b.text}
    </button>
  );

  return (
    <div className="studio-toolbar-row" role="toolbar" aria-label="Graph commands">
      <span
        className="studio-file-name"
        data-testid="file-name"
        title={file.dirty ? 'Unsaved changes' : 'Saved'}
      >
        {graphFileName(file.name)}
        {file.dirty && (
          <span className="studio-file-dirty" data-testid="file-dirty" aria-label="unsaved changes">
            {' '}
            •
          </span>
        )}
      </span>
      <div className="studio-toolbar-group">
        {FILE_BUTTONS.map(button)}
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="file-input"
          onChange={onFileChosen}
        />
        <select
          data-testid="template-select"
          className="studio-template-select"
          defaultValue=""
          onChange={onTemplate}
          title="Start from a template or an empty canvas"
          aria-label="Templates"
        >
          <option value="" disabled>
            Templates…
          </option>
          <option value={EMPTY_TEMPLATE}>Empty canvas</option>
          {examples.map((e) => (
            <option key={e.id} value={e.id} title={e.description}>
              {e.name}
            </option>
          ))}
        </select>
      </div>
      <div className="studio-toolbar-group">
        <button
          type="button"
          data-testid="btn-undo"
          disabled={!canUndo}
          title={tooltip('undo', undoLabel ? `Undo ${undoLabel}` : 'Undo')}
          onClick={actions.undo}
        >
          Undo
        </button>
        <button
          type="button"
          data-testid="btn-redo"
          disabled={!canRedo}
          title={tooltip('redo', redoLabel ? `Redo ${redoLabel}` : 'Redo')}
          onClick={actions.redo}
        >
          Redo
        </button>
        {EDIT_BUTTONS.map((b) =>
          button(b.command === 'freeze' && toFreeze === 0 && toUnfreeze > 0 ? UNFREEZE_BUTTON : b),
        )}
      </div>
      <div className="studio-toolbar-group">{VIEW_BUTTONS.map(button)}</div>
      {dialog === 'summary' && <SummaryDialog />}
      {dialog === 'shortcuts' && <ShortcutsDialog />}
      {dialog === 'saveAs' && <SaveAsDialog />}
    </div>
  );
}
