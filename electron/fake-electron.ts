/**
 * Test support: a fake of the parts of Electron the main-process modules use. Electron's binary
 * is not available where the tests run, so tests mock the module with
 * `vi.mock('electron', async () => (await import('./fake-electron.ts')).fakeElectron)` and drive
 * the modules through these objects.
 */
import type { FrameLike, InvokeEventLike, IpcMainLike } from './ipc/register-channels.ts';
import type { DialogPort } from './services/dialog-port.ts';
import type { TitledWindowLike } from './services/desktop-handlers.ts';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => unknown;

export interface FakeIpcMain extends IpcMainLike {
  /** Every channel passed to `handle`, in order, duplicates included. */
  readonly handled: string[];
  readonly listeners: Map<string, Listener>;
  /** What `ipcRenderer.invoke(channel, payload)` from `frame` would get. */
  invoke(channel: string, payload?: unknown, frame?: FrameLike | null): Promise<unknown>;
}

export const appFrame = (path = 'index.html'): FrameLike => ({ url: `app://studio/${path}` });

export function createFakeIpcMain(): FakeIpcMain {
  const listeners = new Map<string, Listener>();
  const handled: string[] = [];
  return {
    handled,
    listeners,
    handle(channel, listener) {
      // Electron throws on a second handler for one channel; so does the fake.
      if (listeners.has(channel))
        throw new Error(`Attempted to register a second handler for '${channel}'`);
      handled.push(channel);
      listeners.set(channel, listener);
    },
    removeHandler(channel) {
      listeners.delete(channel);
    },
    async invoke(channel, payload, frame = appFrame()) {
      const listener = listeners.get(channel);
      if (!listener) throw new Error(`No handler registered for '${channel}'`);
      return listener({ senderFrame: frame }, ...(payload === undefined ? [] : [payload]));
    },
  };
}

type OpenAnswer = Awaited<ReturnType<DialogPort['showOpenDialog']>>;
type SaveAnswer = Awaited<ReturnType<DialogPort['showSaveDialog']>>;

export interface FakeDialog extends DialogPort {
  /** Scripted answers, taken in order; a dialog with no answer left fails the test. */
  readonly openAnswers: OpenAnswer[];
  readonly saveAnswers: SaveAnswer[];
  readonly messageAnswers: number[];
  /** Every dialog shown, with its options. */
  readonly shown: { kind: 'open' | 'save' | 'message'; options: unknown }[];
}

export function createFakeDialog(): FakeDialog {
  const openAnswers: OpenAnswer[] = [];
  const saveAnswers: SaveAnswer[] = [];
  const messageAnswers: number[] = [];
  const shown: FakeDialog['shown'] = [];
  const next = <T>(queue: T[], kind: string): T => {
    const answer = queue.shift();
    if (answer === undefined) throw new Error(`An unexpected ${kind} dialog was shown.`);
    return answer;
  };
  return {
    openAnswers,
    saveAnswers,
    messageAnswers,
    shown,
    async showOpenDialog(options) {
      shown.push({ kind: 'open', options });
      return next(openAnswers, 'open');
    },
    async showSaveDialog(options) {
      shown.push({ kind: 'save', options });
      return next(saveAnswers, 'save');
    },
    async showMessageBox(options) {
      shown.push({ kind: 'message', options });
      return { response: next(messageAnswers, 'message box') };
    },
  };
}

export interface FakeWindow extends TitledWindowLike {
  title: string;
  edited: boolean;
}

export function createFakeWindow(): FakeWindow {
  const window: FakeWindow = {
    title: '',
    edited: false,
    setTitle(title) {
      window.title = title;
    },
    setDocumentEdited(edited) {
      window.edited = edited;
    },
  };
  return window;
}

/** The module `vi.mock('electron', …)` returns: nothing here may start a real Electron. */
export const fakeElectron = {
  ipcMain: createFakeIpcMain(),
  dialog: createFakeDialog(),
  app: { getPath: () => '/tmp/multitask-studio-fake', getName: () => 'Multitask Studio' },
};
