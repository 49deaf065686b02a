import { useEffect } from 'react';
import { useGraphStore } from '../graph/graph-store.ts';
import type { EditorActions } from './actions.ts';
import type { StudioHost } from '../../../core/contract/host.ts';
import { desktopApi } from '../host/desktop-host.ts';
import { runMenuCommand } from './desktop-bridge.ts';
import { commandForKey, isTypingTarget, runCommandForKey } from './shortcuts.ts';
import { useUiStore } from './ui-store.ts';

/** Text the user has selected on the page: Ctrl+C then copies that, not nodes. */
const hasTextSelection = () => {
  const selection = window.getSelection();
  return selection !== null && !selection.isCollapsed && selection.toString().trim() !== '';
};

/**
 * The keyboard: one handler for the shortcut table. Copy and paste also go through the
 * browser's clipboard events, which may read and write the system clipboard without asking
 * for permission; where those events do not come, the in-app clipboard still works.
 */
export function useShortcuts(actions: EditorActions, host: StudioHost): void {
  useEffect(() => {
    // In the desktop app the menu owns training's keys, as the same command.
    const runKeys = desktopApi() === undefined;
    let pastePending = false;

    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTypingTarget(e.target)) return;
      const ui = useUiStore.getState();
      if (ui.dialog) {
        if (e.key === 'Escape') ui.closeDialog();
        return;
      }
      if (e.key === 'Escape') {
        useGraphStore.getState().select({ nodeIds: [], edgeIds: [] });
        return;
      }
      const run = runKeys ? runCommandForKey(e) : undefined;
      if (run) {
        e.preventDefault();
        runMenuCommand(run, actions, host);
        return;
      }
      const id = commandForKey(e);
      if (!id) return;
      if (id === 'copy') {
        // No preventDefault: the copy event that follows writes the system clipboard.
        if (!hasTextSelection()) actions.copyText();
        return;
      }
      if (id === 'paste') {
        pastePending = true;
        // The paste event, when the browser sends one, comes before this timer.
        setTimeout(() => {
          if (pastePending) actions.paste();
          pastePending = false;
        }, 0);
        return;
      }
      e.preventDefault();
      actions[id]();
    };

    const onCopy = (e: ClipboardEvent) => {
      if (isTypingTarget(e.target) || hasTextSelection()) return;
      // Only a copy event may write the system clipboard without asking for permission.
      const text = actions.copyText();
      if (text && e.clipboardData) {
        e.clipboardData.setData('text/plain', text);
        e.preventDefault();
      }
    };

    const onPaste = (e: ClipboardEvent) => {
      if (isTypingTarget(e.target)) return;
      pastePending = false;
      e.preventDefault();
      actions.pasteText(e.clipboardData?.getData('text/plain') || undefined);
    };

    window.addEventListener('keydown', onKeyDown);
    document.addEventListener('copy', onCopy);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('paste', onPaste);
    };
  }, [actions, host]);
}
