import { z } from 'zod';
import type { RecoveredDocument } from '../../../core/contract/desktop.ts';
import { serializeGraphDocument } from '../../../core/graph/load.ts';
import { recoveryQuestion, unsavedWorkName } from '../../../core/recovery.ts';
import { graphFileName } from '../graph/files.ts';
import { useGraphStore } from '../graph/graph-store.ts';

/**
 * In a browser, unsaved work survives a reload or a closed tab as the desktop app's autosave
 * does: the document is kept in local storage while it has unsaved changes (a second after the
 * last edit), cleared once it is saved, and offered back on the next open; leaving the page
 * with unsaved changes asks first. The desktop app has its own autosave file and close prompt.
 */

export const AUTOSAVE_KEY = 'multitask-studio.autosave';
const DELAY_MS = 1000;

const autosaveSchema = z.object({
  /** The graph's file name (without .graph.json); null for a graph never saved. */
  file: z.string().nullable(),
  text: z.string(),
  savedAt: z.string(),
});
export type BrowserAutosave = z.infer<typeof autosaveSchema>;

/** The work kept by an earlier visit, if any; a damaged entry is dropped. */
export function pendingAutosave(storage: Storage = localStorage): BrowserAutosave | undefined {
  const raw = storage.getItem(AUTOSAVE_KEY);
  if (raw === null) return undefined;
  try {
    const parsed = autosaveSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    // Falls through: not JSON.
  }
  storage.removeItem(AUTOSAVE_KEY);
  return undefined;
}

/** The question the restore dialog asks, in the desktop app's words. */
export const autosaveQuestion = (saved: BrowserAutosave): string =>
  recoveryQuestion(
    unsavedWorkName(saved.file === null ? null : graphFileName(saved.file)),
    new Date(saved.savedAt).toLocaleString(),
  );

/** The kept work as the editor opens restored work (actions.openRecoveredDocument). */
export const asRecovered = (saved: BrowserAutosave, documentName: string): RecoveredDocument => ({
  name: saved.file ?? documentName,
  text: saved.text,
  untitled: saved.file === null,
});

export const discardAutosave = (storage: Storage = localStorage): void =>
  storage.removeItem(AUTOSAVE_KEY);

/**
 * Starts keeping the document while it is dirty and asking before a page with unsaved changes
 * is left. `keepFrom` is when edits start counting: work offered back and not yet answered is
 * not overwritten by the start-up graph. Returns the function that stops both.
 */
export function startBrowserAutosave(storage: Storage = localStorage): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const keep = () => {
    timer = undefined;
    const { document, file } = useGraphStore.getState();
    if (!file.dirty) return;
    const entry: BrowserAutosave = {
      file: file.name === 'untitled' ? null : file.name,
      text: serializeGraphDocument(document),
      savedAt: new Date().toISOString(),
    };
    try {
      storage.setItem(AUTOSAVE_KEY, JSON.stringify(entry));
    } catch {
      // Storage full or refused (private mode): the leave prompt still guards the work.
    }
  };
  const unsubscribe = useGraphStore.subscribe((state, before) => {
    if (state.document === before.document && state.file === before.file) return;
    if (!state.file.dirty) {
      if (before.file.dirty) {
        if (timer) clearTimeout(timer);
        timer = undefined;
        storage.removeItem(AUTOSAVE_KEY);
      }
      return;
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(keep, DELAY_MS);
  });
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!useGraphStore.getState().file.dirty) return;
    keep();
    e.preventDefault();
    // Older Chromium asks only when returnValue is set.
    e.returnValue = '';
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    window.removeEventListener('beforeunload', onBeforeUnload);
  };
}
