import type { BaseWindow, Dialog } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { dialogPortFor } from './dialog-port.ts';

vi.mock('electron', async () => (await import('../fake-electron.ts')).fakeElectron);

describe('dialogPortFor', () => {
  it('makes each dialog modal to the window, or free-standing when there is none', async () => {
    const calls: unknown[][] = [];
    const record =
      (answer: unknown) =>
      async (...args: unknown[]) => {
        calls.push(args);
        return answer;
      };
    const dialog = {
      showOpenDialog: record({ canceled: true, filePaths: [] }),
      showSaveDialog: record({ canceled: true, filePath: '' }),
      showMessageBox: record({ response: 2 }),
    } as unknown as Dialog;
    const window = { id: 1 } as unknown as BaseWindow;
    let current: BaseWindow | null = window;
    const port = dialogPortFor(dialog, () => current);
    await port.showOpenDialog({ properties: ['openFile'] });
    await port.showSaveDialog({ title: 'Save' });
    await expect(port.showMessageBox({ message: 'm' })).resolves.toEqual({ response: 2 });
    current = null;
    await port.showOpenDialog({ properties: ['openFile'] });
    expect(calls).toEqual([
      [window, { properties: ['openFile'] }],
      [window, { title: 'Save' }],
      [window, { message: 'm' }],
      [{ properties: ['openFile'] }],
    ]);
  });
});
