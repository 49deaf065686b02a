import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { savedRunInfoSchema } from '../../core/contract/host.ts';
import { writeRunFolder } from '../../main/runs/test-run-folders.ts';
import { createFakeDialog, createFakeIpcMain, createFakeWindow } from '../fake-electron.ts';
import { isAppFrame, registerChannels } from '../ipc/register-channels.ts';
import { createDesktopHandlers } from './desktop-handlers.ts';
import { createFileService } from './file-service.ts';

vi.mock('electron', async () => (await import('../fake-electron.ts')).fakeElectron);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mts-desktop-rename-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function setup() {
  const runsDir = join(dir, 'runs');
  const window = createFakeWindow();
  const shell = createDesktopHandlers({
    dialog: createFakeDialog(),
    files: createFileService({ userDataDir: join(dir, 'user-data') }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined },
    getWindow: () => window,
    defaultSaveDir: join(dir, 'documents'),
    listExamples: async () => [],
    listDatasets: () => [],
    runs: {
      start: async () => ({ runId: 'r1' }),
      resume: async (runId) => ({ runId }),
      stop: async () => undefined,
      modelDir: (runId) => join(runsDir, runId, 'model'),
      runsDir,
    },
  });
  const ipcMain = createFakeIpcMain();
  registerChannels(ipcMain, shell.handlers, { isTrustedSender: isAppFrame });
  return { ipcMain, runsDir };
}

describe("the desktop channel 'run:rename'", () => {
  it('writes the name into the run’s run.json, which runs:list then shows', async () => {
    const { ipcMain, runsDir } = setup();
    const runDir = await writeRunFolder(runsDir, 'run-a');
    await expect(
      ipcMain.invoke('run:rename', { runId: 'run-a', name: ' faster rate ' }),
    ).resolves.toBeUndefined();
    expect(JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8'))).toMatchObject({
      name: 'faster rate',
      status: 'finished',
    });
    const runs = savedRunInfoSchema.array().parse(await ipcMain.invoke('runs:list'));
    expect(runs[0]).toMatchObject({ runId: 'run-a', name: 'faster rate' });
  });

  it('refuses an unknown run and a bad payload with a sentence, writing nothing', async () => {
    const { ipcMain, runsDir } = setup();
    const runDir = await writeRunFolder(runsDir, 'run-a');
    await expect(ipcMain.invoke('run:rename', { runId: 'run-nope', name: 'x' })).rejects.toThrow(
      "There is no run 'run-nope'.",
    );
    await expect(ipcMain.invoke('run:rename', { runId: 'run-a', name: 'a\nb' })).rejects.toThrow(
      /^The 'run:rename' request is invalid .*control characters/,
    );
    for (const payload of [
      { runId: 'run-a', name: '' },
      { runId: 'run-a', name: 'a\u001bb' },
      { runId: 'run-a', name: 'x'.repeat(121) },
      { runId: '../run-a', name: 'x' },
      { runId: 'run-a' },
      'run-a',
    ]) {
      await expect(
        ipcMain.invoke('run:rename', payload),
        JSON.stringify(payload),
      ).rejects.toThrow();
    }
    expect(JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8'))).not.toHaveProperty('name');
  });
});
