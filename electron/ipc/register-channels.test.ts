import type { IpcMain } from 'electron';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { DESKTOP_CHANNELS } from '../../core/contract/desktop.ts';
import { createFakeIpcMain, appFrame } from '../fake-electron.ts';
import {
  isAppFrame,
  registerChannels,
  unregisterChannels,
  type DesktopHandlers,
  type IpcMainLike,
} from './register-channels.ts';

vi.mock('electron', async () => (await import('../fake-electron.ts')).fakeElectron);

const opened = { path: '/home/a/x.graph.json', name: 'x.graph.json', text: '{}' };

function handlers(overrides: Partial<DesktopHandlers> = {}): DesktopHandlers {
  return {
    'examples:list': () => [],
    'datasets:list': () => [],
    'dataset:choose': () => null,
    'dataset:inspect': () => Promise.reject(new Error('No dataset in this test.')),
    'run:start': () => ({ runId: 'run-1' }),
    'run:stop': () => undefined,
    'run:resume': () => ({ runId: 'run-1' }),
    'run:rename': () => undefined,
    'run:export': () => null,
    'runs:list': () => [],
    'run:open': () => Promise.reject(new Error('No run in this test.')),
    'sweeps:list': () => [],
    'model:read': () => ({ model: {} }),
    'file:open': () => opened,
    'file:save': () => null,
    'document:state': () => undefined,
    ...overrides,
  };
}

function setup(overrides: Partial<DesktopHandlers> = {}) {
  const ipcMain = createFakeIpcMain();
  registerChannels(ipcMain, handlers(overrides), { isTrustedSender: isAppFrame });
  return ipcMain;
}

describe('registerChannels', () => {
  it('takes Electron’s own ipcMain', () => {
    expectTypeOf<IpcMain>().toExtend<IpcMainLike>();
  });

  it('registers every channel of the contract exactly once', () => {
    const ipcMain = setup();
    expect([...ipcMain.handled].sort()).toEqual(Object.keys(DESKTOP_CHANNELS).sort());
  });

  it('removes every handler again', () => {
    const ipcMain = setup();
    unregisterChannels(ipcMain);
    expect(ipcMain.listeners.size).toBe(0);
    // …so registering again (a reloaded page in development) does not throw.
    registerChannels(ipcMain, handlers(), { isTrustedSender: isAppFrame });
    expect(ipcMain.listeners.size).toBe(Object.keys(DESKTOP_CHANNELS).length);
  });

  it('answers a trusted, valid request with the handler’s answer', async () => {
    const ipcMain = setup();
    await expect(ipcMain.invoke('file:open')).resolves.toEqual(opened);
    await expect(ipcMain.invoke('run:start', { graph: {} })).resolves.toEqual({ runId: 'run-1' });
  });

  it('refuses a sender that is not the app, and a frame that is gone, without calling the handler', async () => {
    const open = vi.fn(() => opened);
    const ipcMain = setup({ 'file:open': open });
    await expect(
      ipcMain.invoke('file:open', undefined, { url: 'https://evil.example/app://studio/' }),
    ).rejects.toThrow(
      "The 'file:open' request came from a page that is not the app (https://evil.example/app://studio/) and was refused.",
    );
    await expect(ipcMain.invoke('file:open', undefined, null)).rejects.toThrow(
      'a frame that no longer exists',
    );
    expect(open).not.toHaveBeenCalled();
  });

  it('rejects a bad payload with one sentence naming the channel and the first issue', async () => {
    const save = vi.fn(() => null);
    const ipcMain = setup({ 'file:save': save });
    await expect(
      ipcMain.invoke('file:save', { text: 42, saveAs: false, suggestedName: 'x' }),
    ).rejects.toThrow(
      /^The 'file:save' request is invalid at 'text': Invalid input: expected string, received number\.$/,
    );
    await expect(ipcMain.invoke('run:stop', 42)).rejects.toThrow(
      /^The 'run:stop' request is invalid in the payload: .+\.$/,
    );
    await expect(ipcMain.invoke('run:stop', '../../etc')).rejects.toThrow(
      "The 'run:stop' request is invalid",
    );
    expect(save).not.toHaveBeenCalled();
  });

  it('gives the handler the parsed request: defaults filled, unknown keys dropped', async () => {
    const start = vi.fn(() => ({ runId: 'r' }));
    const save = vi.fn(() => null);
    const ipcMain = setup({ 'run:start': start, 'file:save': save });
    await ipcMain.invoke('run:start', { graph: { a: 1 } });
    expect(start).toHaveBeenCalledWith({ graph: { a: 1 }, settings: {} });
    await ipcMain.invoke('file:save', {
      text: '',
      saveAs: false,
      suggestedName: 'x',
      path: '/etc/passwd',
    });
    expect(save).toHaveBeenCalledWith({ text: '', saveAs: false, suggestedName: 'x' });
  });

  it('turns a handler answer the contract does not allow into an error', async () => {
    const ipcMain = setup({
      'file:open': () => ({ path: '/x', name: 'x' }) as never,
    });
    await expect(ipcMain.invoke('file:open')).rejects.toThrow(
      /^The main process answered 'file:open' with a value the contract does not allow at 'text': .+\.$/,
    );
  });
});

describe('isAppFrame', () => {
  it('accepts only the app’s own protocol and host', () => {
    expect(isAppFrame(appFrame())).toBe(true);
    expect(isAppFrame({ url: 'app://studio/nested/page.html?x=1' })).toBe(true);
    expect(isAppFrame({ url: 'app://other/index.html' })).toBe(false);
    expect(isAppFrame({ url: 'http://localhost:5177/' })).toBe(false);
    expect(isAppFrame({ url: 'file:///app://studio/index.html' })).toBe(false);
    expect(isAppFrame({ url: 'not a url' })).toBe(false);
    expect(isAppFrame(null)).toBe(false);
  });
});
