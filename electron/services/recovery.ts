import { basename } from 'node:path';
import type { RecoveredDocument } from '../../core/contract/desktop.ts';
import { recoveryQuestion, unsavedWorkName } from '../../core/recovery.ts';
import type { DialogPort } from './dialog-port.ts';
import type { FileService, Recovery } from './file-service.ts';

/**
 * Crash recovery at start: work the last session autosaved and never cleared (it crashed or was
 * killed) is offered back once the editor listens. Nothing here may hold up the start: a damaged
 * autosave is logged and cleared, and a failure of the prompt itself leaves the autosave for the
 * next start.
 */

/** The buttons in the order `offerRecovery` reads the answer's index. */
export const RECOVERY_BUTTONS = ['Restore', 'Discard'] as const;
const RESTORE = 0;
const DISCARD = 1;

export type RecoveryOutcome = 'none' | 'restored' | 'discarded' | 'damaged' | 'failed';

/** What the prompt calls the work: its file's name, or what it is for a graph never saved. */
export const recoveredWorkName = (recovery: Pick<Recovery, 'path'>): string =>
  unsavedWorkName(recovery.path === null ? null : basename(recovery.path));

/** What the editor gets ('document-recovered'): the work under its file's name, or its own. */
export const recoveredDocument = (recovery: Recovery): RecoveredDocument => ({
  name: recovery.path === null ? recovery.name : basename(recovery.path),
  text: recovery.text,
  untitled: recovery.path === null,
});

/** Local date and time, e.g. "5/3/2026, 14:02:11"; tests pass their own. */
export const localTime = (iso: string): string => new Date(iso).toLocaleString();

/** The message box options (Electron's MessageBoxOptions) that offer the work back. */
export function recoveryPromptOptions(
  recovery: Pick<Recovery, 'path' | 'savedAt'>,
  formatTime: (iso: string) => string = localTime,
) {
  return {
    type: 'question' as const,
    buttons: [...RECOVERY_BUTTONS],
    defaultId: RESTORE,
    // Escape restores too: Restore loses nothing (the user can still start anew), Discard does.
    cancelId: RESTORE,
    noLink: true,
    message: recoveryQuestion(recoveredWorkName(recovery), formatTime(recovery.savedAt)),
    detail: 'Discard deletes them for good.',
  };
}

export interface RecoveryDeps {
  readonly files: Pick<FileService, 'pendingRecovery' | 'clearAutosave'>;
  readonly dialog: Pick<DialogPort, 'showMessageBox'>;
  /**
   * Hands the work to the editor (as 'document-recovered') and links it to its file again,
   * after asking for the paths it names (desktop-handlers' expectRecovered).
   */
  readonly restore: (recovery: Recovery) => void | Promise<void>;
  readonly log: (line: string) => void;
  readonly formatTime?: (iso: string) => string;
}

const sentence = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Offers the autosaved work back, if there is any. Restore keeps the autosave until the work is
 * saved or the window closes cleanly, so a second crash loses nothing either; Discard clears it.
 * Never throws.
 */
export async function offerRecovery(deps: RecoveryDeps): Promise<RecoveryOutcome> {
  let recovery: Recovery | null;
  try {
    recovery = await deps.files.pendingRecovery();
  } catch (e) {
    deps.log(`${sentence(e)} It was discarded.`);
    await deps.files
      .clearAutosave()
      .catch((error: unknown) =>
        deps.log(`Could not clear the damaged autosave: ${sentence(error)}`),
      );
    return 'damaged';
  }
  if (!recovery) return 'none';

  let answer: number;
  try {
    ({ response: answer } = await deps.dialog.showMessageBox(
      recoveryPromptOptions(recovery, deps.formatTime),
    ));
  } catch (e) {
    deps.log(
      `Could not offer the autosaved work back; it is kept for the next start: ${sentence(e)}`,
    );
    return 'failed';
  }

  if (answer === DISCARD) {
    try {
      await deps.files.clearAutosave();
    } catch (e) {
      deps.log(`Could not discard the autosaved work: ${sentence(e)}`);
    }
    return 'discarded';
  }
  try {
    await deps.restore(recovery);
  } catch (e) {
    deps.log(`Could not restore the autosaved work; it is kept for the next start: ${sentence(e)}`);
    return 'failed';
  }
  return 'restored';
}
