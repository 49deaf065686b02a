import { resolve } from 'node:path';
import type { BrowserWindowConstructorOptions } from 'electron';
import { isAppUrl } from './protocol.ts';
import type { PlacedWindowState } from './services/window-state.ts';
import { MIN_HEIGHT, MIN_WIDTH } from './services/window-state.ts';

/** The page's own background (renderer/src/styles.css `--bg`), so no white flash in dark mode. */
export const themeBackground = (dark: boolean): string => (dark ? '#15181e' : '#f6f7f9');

/**
 * The main window, per Electron's security checklist: the page runs sandboxed with context
 * isolation and no Node, and reaches the main process only through the preload's typed API.
 */
export function mainWindowOptions({
  state,
  preload,
  dark,
  title = 'Multitask Studio',
  icon,
}: {
  readonly state: PlacedWindowState;
  readonly preload: string;
  readonly dark: boolean;
  readonly title?: string;
  readonly icon?: string;
}): BrowserWindowConstructorOptions {
  return {
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    title,
    ...(icon ? { icon } : {}),
    backgroundColor: themeBackground(dark),
    // Shown once the page has painted: no empty frame on start.
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

/** The parts of WebContents the hardening touches (Electron's own fits; tests pass a fake). */
export interface HardenableContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: PreventableEvent, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
}

export interface PreventableEvent {
  preventDefault(): void;
}

/**
 * No new windows, no webviews, and no navigation away from the app's own pages. A link to the
 * web opens in the user's browser when `openExternal` is given (https only).
 */
export function hardenWebContents(
  contents: HardenableContents,
  openExternal?: (url: string) => void,
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (openExternal && url.startsWith('https://')) openExternal(url);
    return { action: 'deny' };
  });
  const stayInApp = (event: PreventableEvent, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The parts of a Session the permission policy sets. */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (contents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
}

/**
 * Every permission request is refused (camera, notifications, …: the app needs none). The one
 * check granted is writing the clipboard from the app's own page, which Copy uses.
 */
export function denyPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(
    (_contents, permission, origin) =>
      permission === 'clipboard-sanitized-write' && isAppUrl(`${origin}/`),
  );
}

/**
 * The graph file in a command line (ours, or a second instance's): the last argument that names
 * a JSON file and is not a switch. Electron's and Chromium's own switches start with '-'.
 */
export function fileArgument(argv: readonly string[]): string | undefined {
  return [...argv]
    .slice(1)
    .reverse()
    .find((arg) => !arg.startsWith('-') && /\.json$/i.test(arg));
}

/** Names a folder for all of the app's data instead of the per-user one; unset by default. */
export const USER_DATA_ENV = 'MULTITASK_STUDIO_USER_DATA';

/**
 * The userData folder `USER_DATA_ENV` asks for (absolute), or undefined for the usual one. The
 * desktop end-to-end tests use it so each start has its own autosave, recent list, runs and
 * single-instance lock; a portable copy can use it too.
 */
export function userDataOverride(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const dir = env[USER_DATA_ENV]?.trim();
  return dir ? resolve(dir) : undefined;
}
