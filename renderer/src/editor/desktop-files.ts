import type { DesktopApi, OpenedFile, RecentFile } from '../../../core/contract/desktop.ts';
import { serializeGraphDocument } from '../../../core/graph/load.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { fileBaseName, graphFileName } from '../graph/files.ts';
import { callDesktop } from '../host/desktop-host.ts';

/**
 * Graph files in the desktop app: the main process's dialogs read and write real files (it keeps
 * their paths; the renderer only sees names and text).
 */

/** The document arrived from New or a template: the next Save must ask where. */
let untitled = false;

export const isUntitled = (): boolean => untitled;
export const setUntitled = (value: boolean): void => {
  untitled = value;
};

/** The desktop's open dialog; null when the user cancelled. Throws the main process's sentence. */
export const openWithDialog = (api: DesktopApi): Promise<OpenedFile | null> =>
  callDesktop(() => api['file:open'](undefined));

export const openRecent = (api: DesktopApi, index: number): Promise<OpenedFile | null> =>
  callDesktop(() => api['file:open-recent'](index));

export const listRecent = (api: DesktopApi): Promise<RecentFile[]> =>
  callDesktop(() => api['recent:list'](undefined));

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
