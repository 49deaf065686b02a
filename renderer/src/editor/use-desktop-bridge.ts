import { useEffect } from 'react';
import type { StudioHost } from '../../../core/contract/host.ts';
import { desktopApi } from '../host/desktop-host.ts';
import { openDesktopFile, openRecoveredDocument, type EditorActions } from './actions.ts';
import { reportDocumentState, runMenuCommand } from './desktop-bridge.ts';

/**
 * In the desktop app: menu commands, files opened from outside, work restored after a crash, and
 * the document's state.
 */
export function useDesktopBridge(actions: EditorActions, host: StudioHost): void {
  useEffect(() => {
    const api = desktopApi();
    if (!api) return;
    const offMenu = api.on('menu-command', (command) => runMenuCommand(command, actions, host));
    const offFile = api.on('file-opened', (file) => {
      openDesktopFile(file);
    });
    const offRecovered = api.on('document-recovered', (recovered) => {
      openRecoveredDocument(recovered);
    });
    const stopReporting = reportDocumentState(api);
    return () => {
      offMenu();
      offFile();
      offRecovered();
      stopReporting();
    };
  }, [actions, host]);
}
