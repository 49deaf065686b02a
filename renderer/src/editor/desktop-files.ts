import type { DesktopApi, OpenedFile } from '../../../core/contract/desktop.ts';
import { serializeGraphDocument } from '../../../core/graph/load.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { fileBaseName, graphFileName } from '../graph/files.ts';
import { callDesktop } from '../host/desktop-host.ts';

/**
 * Graph files in the desktop app: the main process's dialogs read and write real files (it keeps
 * their paths; the renderer only sees names and text).
 */

/**
 * The document has no file the main process knows (New, a template, a dropped file): the next
 * Save must ask where.
 */
let untitled = false;
/** The document is restored work whose first report has not gone to the main process yet. */
let recoveredUnreported = false;

export const isUntitled = (): boolean => untitled;
/** A document arrived (or failed to): whether the main process knows a file for it. */
export const setUntitled = (value: boolean): void => {
  untitled = value;
  recoveredUnreported = false;
};
/** Restored work arrived ('document-recovered'): the next report links it to its file again. */
export const setRecovered = (isUntitled: boolean): void => {
  untitled = isUntitled;
  recoveredUnreported = true;
};
/** True once after `setRecovered`: the report that says so is the one that links the file. */
export const takeRecovered = (): boolean => {
  const recovered = recoveredUnreported;
  recoveredUnreported = false;
  return recovered;
};

/** The desktop's open dialog; null when the user cancelled. Throws the main process's sentence. */
export const openWithDialog = (api: DesktopApi): Promise<OpenedFile | null> =>
  callDesktop(() => api['file:open'](undefined));

/**
 * Saves to the document's file (or asks where); the base name it was saved as, or null when the
 * user cancelled.
 */
export async function saveWithDialog(
  api: DesktopApi,
  name: string,
  doc: GraphDocument,
  saveAs: boolean,
): Promise<string | null> {
  const saved = await callDesktop(() =>
    api['file:save']({
      text: serializeGraphDocument(doc),
      // An untitled document may not overwrite the file the previous one came from.
      saveAs: saveAs || untitled,
      suggestedName: graphFileName(name),
    }),
  );
  if (!saved) return null;
  untitled = false;
  return fileBaseName(saved.name);
}
