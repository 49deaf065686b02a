/** What closing the window does once the user has answered (or was not asked). */
export type CloseDecision = 'close' | 'save-then-close' | 'cancel';

/** The buttons in the order `decideClose` reads the answer's index. */
export const CLOSE_BUTTONS = ['Save', "Don't Save", 'Cancel'] as const;
const SAVE = 0;
const DONT_SAVE = 1;
const CANCEL = 2;

/** The message box options (Electron's MessageBoxOptions) for a document with unsaved changes. */
export function closePromptOptions(name: string) {
  return {
    type: 'warning' as const,
    buttons: [...CLOSE_BUTTONS],
    defaultId: SAVE,
    // Escape and the window's close box mean Cancel: nothing is lost by accident.
    cancelId: CANCEL,
    noLink: true,
    message: `Do you want to save the changes you made to ${name}?`,
    detail: "Your changes will be lost if you don't save them.",
  };
}

/**
 * Whether the window may close: a clean document closes at once; otherwise `ask` shows the
 * prompt and returns the index of the button pressed. Any answer but Save or Don't Save cancels.
 */
export async function decideClose(
  state: { readonly dirty: boolean },
  ask: () => Promise<number> | number,
): Promise<CloseDecision> {
  if (!state.dirty) return 'close';
  const answer = await ask();
  if (answer === SAVE) return 'save-then-close';
  if (answer === DONT_SAVE) return 'close';
  return 'cancel';
}
