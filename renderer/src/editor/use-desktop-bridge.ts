import { useEffect } from 'react';
import type { StudioHost } from '../../../core/contract/host.ts';
import { desktopApi } from '../host/desktop-host.ts';
import { openDesktopFile, type EditorActions } from './actions.ts';
import { reportDocumentState, runMenuCommand } from './desktop-bridge.ts';

/** In the desktop app: menu commands, files opened from outside, and the document's state. */
export function useDesktopBridge(actions: EditorActions, host: StudioHost): void {
  useEffect(() => {
    const api = desktopApi();
    if (!api) return;
    const offMenu = api.on('menu-command', (command) => runMenuCommand(command, actions, host));
    const offFile = api.on('file-opened', (file) => {
      openDesktopFile(file);
    });
    const stopReporting = reportDocumentState(api);
    return () => {
      offMenu();
      offFile();
      stopReporting();
    };
  }, [actions, host]);
}
