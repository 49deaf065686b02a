import { useEffect, useState } from 'react';
import { desktopApi } from '../host/desktop-host.ts';
import { pendingAutosave, startBrowserAutosave, type BrowserAutosave } from './browser-autosave.ts';
import { RestoreDialog } from './FileDialogs.tsx';
import { useUiStore } from './ui-store.ts';

/**
 * In a browser (the desktop app has its own autosave): offers back the work an earlier visit
 * left unsaved, then keeps the current work while it is unsaved and asks before the page is
 * left. Renders the offer.
 */
export function BrowserAutosaveOffer() {
  const [saved, setSaved] = useState<BrowserAutosave>();
  const dialog = useUiStore((s) => s.dialog);
  useEffect(() => {
    if (desktopApi()) return;
    const pending = pendingAutosave();
    if (pending) {
      setSaved(pending);
      useUiStore.getState().openDialog('restore');
    }
    return startBrowserAutosave();
  }, []);
  return dialog === 'restore' && saved ? <RestoreDialog saved={saved} /> : null;
}
