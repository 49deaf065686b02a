import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  denyPermissions,
  fileArgument,
  hardenWebContents,
  mainWindowOptions,
  themeBackground,
  USER_DATA_ENV,
  userDataOverride,
  type HardenableContents,
  type PermissionSession,
  type PreventableEvent,
} from './window.ts';

const state = { x: 10, y: 20, width: 1200, height: 800, maximized: false };

describe('mainWindowOptions', () => {
  it('isolates and sandboxes the page', () => {
    const options = mainWindowOptions({
      state,
      preload: '/app/out/electron/preload.cjs',
      dark: false,
    });
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
    expect(options).toMatchObject({ x: 10, y: 20, width: 1200, height: 800, show: false });
  });

  it('paints the background of the theme', () => {
    expect(mainWindowOptions({ state, preload: 'p', dark: true }).backgroundColor).toBe(
      themeBackground(true),
    );
    expect(themeBackground(true)).not.toBe(themeBackground(false));
  });
});

function fakeContents() {
  const listeners = new Map<string, (event: PreventableEvent, url?: string) => void>();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: HardenableContents = {
    setWindowOpenHandler: (handler) => {
      openHandler = handler;
    },
    on: (event: string, listener: (event: PreventableEvent, url: string) => void) =>
      listeners.set(event, listener as (event: PreventableEvent, url?: string) => void),
  };
  const fire = (name: string, url?: string) => {
    let prevented = false;
    listeners.get(name)?.({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler?.({ url }) };
}

describe('hardenWebContents', () => {
  it('denies new windows, handing https links to the browser', () => {
    const external: string[] = [];
    const { contents, open } = fakeContents();
    hardenWebContents(contents, (url) => external.push(url));
    expect(open('https://example.com/')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(external).toEqual(['https://example.com/']);
  });

  it('keeps navigation inside the app and refuses webviews', () => {
    const { contents, fire } = fakeContents();
    hardenWebContents(contents);
    expect(fire('will-navigate', 'app://studio/index.html')).toBe(false);
    expect(fire('will-navigate', 'https://example.com/')).toBe(true);
    expect(fire('will-navigate', 'file:///home/u/model.graph.json')).toBe(true);
    expect(fire('will-redirect', 'http://127.0.0.1/')).toBe(true);
    expect(fire('will-attach-webview')).toBe(true);
  });
});

describe('denyPermissions', () => {
  it('refuses every request and grants only clipboard writes to the app', () => {
    let request: Parameters<PermissionSession['setPermissionRequestHandler']>[0] | undefined;
    let check: Parameters<PermissionSession['setPermissionCheckHandler']>[0] | undefined;
    denyPermissions({
      setPermissionRequestHandler: (handler) => (request = handler),
      setPermissionCheckHandler: (handler) => (check = handler),
    });
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal']) {
      let granted: boolean | undefined;
      request?.(null, permission, (answer) => (granted = answer));
      expect(granted).toBe(false);
    }
    expect(check?.(null, 'clipboard-sanitized-write', 'app://studio')).toBe(true);
    expect(check?.(null, 'clipboard-sanitized-write', 'https://evil.example')).toBe(false);
    expect(check?.(null, 'media', 'app://studio')).toBe(false);
  });
});

describe('fileArgument', () => {
  it('finds the graph file in a packaged or development command line', () => {
    expect(fileArgument(['/opt/studio/studio', '/home/u/m.graph.json'])).toBe(
      '/home/u/m.graph.json',
    );
    expect(fileArgument(['electron', '.', '--no-sandbox', 'C:\\g\\a.JSON'])).toBe('C:\\g\\a.JSON');
    expect(fileArgument(['electron', '.', '--flag=x.json'])).toBeUndefined();
    expect(fileArgument(['/opt/studio/studio'])).toBeUndefined();
  });
});

describe('userDataOverride', () => {
  it('keeps the usual folder unless the variable names one, and makes it absolute', () => {
    expect(userDataOverride({})).toBeUndefined();
    expect(userDataOverride({ [USER_DATA_ENV]: '  ' })).toBeUndefined();
    expect(userDataOverride({ [USER_DATA_ENV]: '/tmp/studio-data' })).toBe('/tmp/studio-data');
    expect(userDataOverride({ [USER_DATA_ENV]: 'data' })).toBe(join(process.cwd(), 'data'));
  });
});
