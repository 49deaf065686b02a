import { useState, type FormEvent } from 'react';
import { downloadGraph, graphFileName, safeFileName } from '../graph/files.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { openRecoveredDocument } from './actions.ts';
import {
  asRecovered,
  autosaveQuestion,
  discardAutosave,
  type BrowserAutosave,
} from './browser-autosave.ts';
import { Dialog } from './Dialog.tsx';
import { useUiStore } from './ui-store.ts';

/** Save As in a browser: the file name in the app's own dialog, then a download. */
export function SaveAsDialog() {
  const file = useGraphStore((s) => s.file);
  const [name, setName] = useState(file.name);
  const [error, setError] = useState<string>();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim() === '') {
      setError('Give the file a name.');
      return;
    }
    const safe = safeFileName(name);
    downloadGraph(safe, useGraphStore.getState().document);
    useGraphStore.getState().markSaved(safe);
    useUiStore.getState().closeDialog();
  };
  return (
    <Dialog title="Save the graph as" testId="save-as-dialog">
      <form className="studio-form" onSubmit={onSubmit}>
        <label className="studio-field">
          <span>File name</span>
          <input
            data-testid="save-as-name"
            value={name}
            autoFocus
            aria-invalid={error !== undefined}
            onChange={(e) => {
              setName(e.target.value);
              setError(undefined);
            }}
          />
        </label>
        <p className="studio-hint">
          Saved as {graphFileName(safeFileName(name || 'untitled'))} in your downloads.
        </p>
        {error && <p className="run-error">{error}</p>}
        <div className="studio-button-row">
          <button type="submit" className="primary" data-testid="save-as-confirm">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The work an earlier visit did not save, offered back: Restore opens it, Discard drops it. */
export function RestoreDialog({ saved }: { saved: BrowserAutosave }) {
  const close = useUiStore((s) => s.closeDialog);
  const restore = () => {
    const documentName = 'untitled';
    if (openRecoveredDocument(asRecovered(saved, documentName))) close();
  };
  return (
    <Dialog title="Unsaved work" testId="restore-dialog">
      <p>{autosaveQuestion(saved)}</p>
      <p className="studio-hint">Discard deletes them for good.</p>
      <div className="studio-button-row">
        <button type="button" className="primary" data-testid="restore-confirm" onClick={restore}>
          Restore
        </button>
        <button
          type="button"
          data-testid="restore-discard"
          onClick={() => {
            discardAutosave();
            close();
          }}
        >
          Discard
        </button>
      </div>
    </Dialog>
  );
}
