/**
 * The sandboxed renderer's only door to the main process. It exposes `window.studioDesktop`
 * (one function per channel, `on` per event) and never ipcRenderer itself. Bundled as CommonJS by
 * scripts/build-electron.ts: a sandboxed preload may `require('electron')` but cannot load ES
 * modules or other files.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createDesktopApi } from './desktop-api.ts';

export const DESKTOP_GLOBAL = 'studioDesktop';

const api = createDesktopApi(
  (channel, request) => ipcRenderer.invoke(channel, request),
  (event, listener) => {
    // The IPC event (and its sender) stays here: the page gets the payload only.
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(event, handler);
    return () => {
      ipcRenderer.removeListener(event, handler);
    };
  },
);

contextBridge.exposeInMainWorld(DESKTOP_GLOBAL, api);
