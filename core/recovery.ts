/**
 * Unsaved work offered back after the app closed without saving it: the same question in the
 * desktop app (its autosave file, a message box) and in a browser (its local storage, the app's
 * dialog).
 */

/** What the question calls the work: its file's name, or what it is for a graph never saved. */
export const unsavedWorkName = (fileName: string | null): string =>
  fileName === null ? 'an untitled graph' : fileName;

/** "Multitask Studio closed before tiny.graph.json was saved. Restore the unsaved changes from …?" */
export const recoveryQuestion = (workName: string, time: string): string =>
  `Multitask Studio closed before ${workName} was saved. Restore the unsaved changes from ${time}?`;
