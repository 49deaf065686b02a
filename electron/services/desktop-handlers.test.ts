import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { savedRunInfoSchema, savedRunSchema } from '../../core/contract/host.ts';
import { writeRunFolder } from '../../main/runs/test-run-folders.ts';
import { createFakeDialog, createFakeIpcMain, createFakeWindow } from '../fake-electron.ts';
import { isAppFrame, registerChannels } from '../ipc/register-channels.ts';
import { createDesktopHandlers, graphFileName, type Timers } from './desktop-handlers.ts';
import { createFileService } from './file-service.ts';

vi.mock('electron', async () => (await import('../fake-electron.ts')).fakeElectron);

const GRAPH = await readFile(
  new URL('../../assets/examples/digits-compact.graph.json', import.meta.url),
  'utf8',
);
const EDITED = GRAPH.replace(/"name":\s*"[^"]*"/, '"name": "Edited"');

function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  const timers: Timers & { flush(): void; readonly pending: Map<number, () => void> } = {
    pending,
    setTimeout(callback) {
      pending.set(++next, callback);
      return next;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
    flush() {
      for (const [id, callback] of [...pending]) {
        pending.delete(id);
        callback();
      }
    },
  };
  return timers;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mts-desktop-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function setup() {
  const dialog = createFakeDialog();
  const window = createFakeWindow();
  const timers = manualTimers();
  const files = createFileService({ userDataDir: join(dir, 'user-data') });
  const runsDir = join(dir, 'runs');
  const shell = createDesktopHandlers({
    dialog,
    files,
    timers,
    getWindow: () => window,
    defaultSaveDir: join(dir, 'documents'),
    listExamples: async () => [],
    listDatasets: () => [],
    runs: {
      start: async () => ({ runId: 'r1' }),
      resume: async (runId) => ({ runId }),
      stop: async () => undefined,
      modelDir: (runId) => {
        if (!runId.startsWith('r')) throw new Error(`There is no run '${runId}'.`);
        return join(runsDir, runId, 'model');
      },
      runsDir,
    },
  });
  const ipcMain = createFakeIpcMain();
  registerChannels(ipcMain, shell.handlers, { isTrustedSender: isAppFrame });
  const graphPath = join(dir, 'model.graph.json');
  await writeFile(graphPath, GRAPH);
  return { dialog, window, timers, files, shell, ipcMain, graphPath, runsDir };
}

type Setup = Awaited<ReturnType<typeof setup>>;

const save = (ipc: Setup['ipcMain'], saveAs = false, text = EDITED) =>
  ipc.invoke('file:save', { text, saveAs, suggestedName: 'Digits compact' });

async function openGraph({ dialog, ipcMain, graphPath }: Setup) {
  dialog.openAnswers.push({ canceled: false, filePaths: [graphPath] });
  return ipcMain.invoke('file:open');
}

describe('opening', () => {
  it('opens the file the dialog picked, records it as recent and titles the window', async () => {
    const s = await setup();
    await expect(openGraph(s)).resolves.toEqual({
      path: s.graphPath,
      name: 'model.graph.json',
      text: GRAPH,
    });
    expect(s.dialog.shown[0]?.options).toMatchObject({
      properties: ['openFile'],
      filters: [{ extensions: ['graph.json'] }, { extensions: ['json'] }],
    });
    expect(await s.files.listRecent()).toEqual([{ path: s.graphPath, name: 'model.graph.json' }]);
    expect(s.window.title).toBe('model.graph.json — Multitask Studio');
  });

  it('answers null when the user cancels', async () => {
    const s = await setup();
    s.dialog.openAnswers.push({ canceled: true, filePaths: [] });
    await expect(s.ipcMain.invoke('file:open')).resolves.toBeNull();
    expect(await s.files.listRecent()).toEqual([]);
  });

  it('refuses a file that is not a graph with a sentence, and keeps the document', async () => {
    const s = await setup();
    await openGraph(s);
    const bad = join(dir, 'bad.graph.json');
    await writeFile(bad, '[]');
    s.dialog.openAnswers.push({ canceled: false, filePaths: [bad] });
    await expect(s.ipcMain.invoke('file:open')).rejects.toThrow(
      'The graph file is not a Multitask Studio graph: expected a JSON object.',
    );
    expect(s.window.title).toBe('model.graph.json — Multitask Studio');
  });

  it("reads a Keras file's config from the bytes the page sends, and keeps the document", async () => {
    const s = await setup();
    await openGraph(s);
    const config = await readFile(
      new URL('../../main/export/fixtures/keras3-functional.config.json', import.meta.url),
    );
    const answer = (await s.ipcMain.invoke('model:read', {
      name: 'two.keras',
      data: zipSync({ 'config.json': new Uint8Array(config) }),
    })) as { model: { class_name: string } };
    expect(answer.model.class_name).toBe('Functional');
    await expect(
      s.ipcMain.invoke('model:read', { name: 'x.keras', data: strToU8('PK') }),
    ).rejects.toThrow('x.keras is not a readable zip');
    expect(s.window.title).toBe('model.graph.json — Multitask Studio');
  });

  it('keeps the recent list to the main process: the page has no channel to read or open it', async () => {
    const s = await setup();
    await s.files.addRecent(s.graphPath);
    for (const channel of ['recent:list', 'file:open-recent']) {
      expect(channel in s.shell.handlers).toBe(false);
      await expect(s.ipcMain.invoke(channel, 0)).rejects.toThrow();
    }
    expect(s.dialog.shown).toEqual([]);
  });

  it('opens a path from the command line or a second instance', async () => {
    const s = await setup();
    await expect(s.shell.openPath(s.graphPath)).resolves.toMatchObject({ text: GRAPH });
    expect(s.window.title).toBe('model.graph.json — Multitask Studio');
  });
});

describe('saving', () => {
  it('asks where with the save dialog when the document has no file', async () => {
    const s = await setup();
    const target = join(dir, 'documents', 'chosen');
    await mkdir(join(dir, 'documents'));
    s.dialog.saveAnswers.push({ canceled: false, filePath: target });
    await expect(save(s.ipcMain)).resolves.toEqual({
      path: `${target}.graph.json`,
      name: 'chosen.graph.json',
    });
    expect(s.dialog.shown[0]?.options).toMatchObject({
      defaultPath: join(dir, 'documents', 'Digits compact.graph.json'),
    });
    expect(await readFile(`${target}.graph.json`, 'utf8')).toBe(EDITED);
    expect((await s.files.listRecent())[0]?.path).toBe(`${target}.graph.json`);
    expect(s.window.title).toBe('chosen.graph.json — Multitask Studio');
  });

  it('saves to the opened file without a dialog, atomically', async () => {
    const s = await setup();
    await openGraph(s);
    await expect(save(s.ipcMain)).resolves.toEqual({
      path: s.graphPath,
      name: 'model.graph.json',
    });
    expect(s.dialog.shown.map((d) => d.kind)).toEqual(['open']);
    expect(await readFile(s.graphPath, 'utf8')).toBe(EDITED);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('asks again for Save As, and after the editor started a new document', async () => {
    const s = await setup();
    await openGraph(s);
    s.dialog.saveAnswers.push({ canceled: true });
    await expect(save(s.ipcMain, true)).resolves.toBeNull();
    s.shell.forgetFile();
    s.dialog.saveAnswers.push({ canceled: true });
    await expect(save(s.ipcMain, false)).resolves.toBeNull();
    expect(s.dialog.shown.map((d) => d.kind)).toEqual(['open', 'save', 'save']);
    expect(await readFile(s.graphPath, 'utf8')).toBe(GRAPH);
  });

  it('asks where after the renderer reports an untitled document (New, a template)', async () => {
    const s = await setup();
    await openGraph(s);
    await s.ipcMain.invoke('document:state', {
      name: 'Untitled',
      dirty: true,
      text: EDITED,
      untitled: true,
    });
    s.dialog.saveAnswers.push({ canceled: true });
    await expect(save(s.ipcMain, false)).resolves.toBeNull();
    expect(s.dialog.shown.map((d) => d.kind)).toEqual(['open', 'save']);
    expect(await readFile(s.graphPath, 'utf8')).toBe(GRAPH);
  });

  it('never takes a path from the renderer', async () => {
    const s = await setup();
    const planted = join(dir, 'planted.graph.json');
    s.dialog.saveAnswers.push({ canceled: true });
    await expect(
      s.ipcMain.invoke('file:save', {
        text: EDITED,
        saveAs: false,
        suggestedName: '../../planted',
        path: planted,
      }),
    ).resolves.toBeNull();
    expect(s.dialog.shown[0]?.options).toMatchObject({
      defaultPath: join(dir, 'documents', '..-..-planted.graph.json'),
    });
    await expect(readFile(planted)).rejects.toThrow('ENOENT');
  });
});

describe('document state, autosave and closing', () => {
  it('marks the title while dirty, autosaves after the pause, and a save clears it', async () => {
    const s = await setup();
    await openGraph(s);
    await s.ipcMain.invoke('document:state', { name: 'Digits', dirty: true, text: EDITED });
    expect(s.window.title).toBe('model.graph.json• — Multitask Studio');
    expect(s.window.edited).toBe(true);
    expect(s.timers.pending.size).toBe(1);
    // Another edit within the pause restarts it rather than queueing a second write.
    await s.ipcMain.invoke('document:state', { name: 'Digits', dirty: true, text: EDITED });
    expect(s.timers.pending.size).toBe(1);
    s.timers.flush();
    expect(await s.files.pendingRecovery()).toMatchObject({
      name: 'model.graph.json',
      path: s.graphPath,
      text: EDITED,
    });
    await save(s.ipcMain);
    expect(await s.files.pendingRecovery()).toBeNull();
    expect(s.window.title).toBe('model.graph.json — Multitask Studio');
  });

  it('closes a clean document without asking', async () => {
    const s = await setup();
    await expect(s.shell.confirmClose()).resolves.toBe(true);
    expect(s.dialog.shown).toEqual([]);
  });

  it('stays open on Cancel, keeping the autosave', async () => {
    const s = await setup();
    await s.ipcMain.invoke('document:state', { name: 'Digits', dirty: true, text: EDITED });
    s.timers.flush();
    s.dialog.messageAnswers.push(2);
    await expect(s.shell.confirmClose()).resolves.toBe(false);
    expect(s.dialog.shown[0]?.options).toMatchObject({
      message: 'Do you want to save the changes you made to Digits?',
      cancelId: 2,
    });
    expect(await s.files.pendingRecovery()).not.toBeNull();
  });

  it("closes on Don't Save and leaves nothing to recover", async () => {
    const s = await setup();
    await s.ipcMain.invoke('document:state', { name: 'Digits', dirty: true, text: EDITED });
    s.timers.flush();
    s.dialog.messageAnswers.push(1);
    await expect(s.shell.confirmClose()).resolves.toBe(true);
    expect(await s.files.pendingRecovery()).toBeNull();
    expect(s.timers.pending.size).toBe(0);
  });

  it('saves the latest text on Save, and stays open when the save dialog is cancelled', async () => {
    const s = await setup();
    await openGraph(s);
    await s.ipcMain.invoke('document:state', { name: 'Digits', dirty: true, text: EDITED });
    s.dialog.messageAnswers.push(0);
    await expect(s.shell.confirmClose()).resolves.toBe(true);
    expect(await readFile(s.graphPath, 'utf8')).toBe(EDITED);

    s.shell.forgetFile();
    await s.ipcMain.invoke('document:state', { name: 'New', dirty: true, text: GRAPH });
    s.dialog.messageAnswers.push(0);
    s.dialog.saveAnswers.push({ canceled: true });
    await expect(s.shell.confirmClose()).resolves.toBe(false);
    expect(s.shell.isDirty()).toBe(true);
  });
});

describe('restored work', () => {
  const state = (fields: { dirty?: boolean; untitled?: boolean; recovered?: boolean }) => ({
    name: 'model.graph.json',
    dirty: true,
    text: EDITED,
    ...fields,
  });

  it('saves restored work to its file once the editor reports it, whatever came before', async () => {
    const s = await setup();
    await s.shell.expectRecovered(s.graphPath, GRAPH);
    // A report the editor sent before it had the restored work (the start-up template).
    await s.ipcMain.invoke('document:state', state({ dirty: false, untitled: true }));
    await s.ipcMain.invoke('document:state', state({ recovered: true }));
    expect(s.window.title).toBe('model.graph.json• — Multitask Studio');
    await expect(save(s.ipcMain)).resolves.toEqual({ path: s.graphPath, name: 'model.graph.json' });
    expect(s.dialog.shown).toEqual([]);
    expect(await readFile(s.graphPath, 'utf8')).toBe(EDITED);
    expect(await s.files.pendingRecovery()).toBeNull();
  });

  it('asks where to save restored work that never had a file', async () => {
    const s = await setup();
    await openGraph(s);
    await s.shell.expectRecovered(null, GRAPH);
    await s.ipcMain.invoke('document:state', state({ untitled: true, recovered: true }));
    s.dialog.saveAnswers.push({ canceled: true });
    await expect(save(s.ipcMain)).resolves.toBeNull();
    expect(s.dialog.shown.map((d) => d.kind)).toEqual(['open', 'save']);
    expect(await readFile(s.graphPath, 'utf8')).toBe(GRAPH);
  });

  it('forgets the restored file once another file is opened', async () => {
    const s = await setup();
    const other = join(dir, 'other.graph.json');
    await s.shell.expectRecovered(other, GRAPH);
    await openGraph(s);
    await s.ipcMain.invoke('document:state', state({ recovered: true }));
    await save(s.ipcMain);
    expect(await readFile(s.graphPath, 'utf8')).toBe(EDITED);
    await expect(readFile(other)).rejects.toThrow('ENOENT');
  });
});

describe('exporting a run', () => {
  async function makeRun(runsDir: string, id: string) {
    const runDir = join(runsDir, id);
    await mkdir(join(runDir, 'model'), { recursive: true });
    // A model with no weights: its weights.bin holds exactly the 0 bytes its manifest declares.
    await writeFile(join(runDir, 'model', 'model.json'), '{"format":"layers-model"}');
    await writeFile(join(runDir, 'model', 'weights.bin'), new Uint8Array(0));
    await writeFile(join(runDir, 'graph.json'), GRAPH);
    await writeFile(join(runDir, 'metrics.json'), '{}');
    await writeFile(join(runDir, 'run.json'), '{}');
  }

  it('copies the model, graph and metrics into the folder the user picked', async () => {
    const s = await setup();
    await makeRun(s.runsDir, 'r1');
    const out = join(dir, 'export');
    s.dialog.openAnswers.push({ canceled: false, filePaths: [out] });
    await expect(s.ipcMain.invoke('run:export', { runId: 'r1' })).resolves.toEqual({ folder: out });
    expect(s.dialog.shown[0]?.options).toMatchObject({
      properties: ['openDirectory', 'createDirectory'],
    });
    expect((await readdir(out)).sort()).toEqual([
      'graph.json',
      'metadata.json',
      'metrics.json',
      'model.json',
      'run.json',
      'weights.bin',
    ]);
  });

  it('refuses a folder that is not empty, and answers null when cancelled', async () => {
    const s = await setup();
    await makeRun(s.runsDir, 'r1');
    const out = join(dir, 'full');
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'mine');
    s.dialog.openAnswers.push({ canceled: false, filePaths: [out] });
    await expect(s.ipcMain.invoke('run:export', { runId: 'r1' })).rejects.toThrow(
      `The folder ${out} is not empty; choose a new or empty folder for the export so nothing in it is overwritten.`,
    );
    expect(await readdir(out)).toEqual(['keep.txt']);
    s.dialog.openAnswers.push({ canceled: true, filePaths: [] });
    await expect(s.ipcMain.invoke('run:export', { runId: 'r1' })).resolves.toBeNull();
  });

  it('refuses a run without a model, or with no folder, before asking for a folder', async () => {
    const s = await setup();
    await mkdir(join(s.runsDir, 'r2'), { recursive: true });
    await expect(s.ipcMain.invoke('run:export', { runId: 'r2' })).rejects.toThrow(
      "The run 'r2' has no trained model yet: it saves one after its first epoch.",
    );
    await expect(s.ipcMain.invoke('run:export', { runId: 'r3' })).rejects.toThrow(
      "There is no run 'r3'.",
    );
    await expect(s.ipcMain.invoke('run:export', { runId: 'x1' })).rejects.toThrow(
      "There is no run 'x1'.",
    );
    expect(s.dialog.shown).toEqual([]);
  });

  it('lists the kept runs newest first and opens one by id, never by a path', async () => {
    const s = await setup();
    await writeRunFolder(s.runsDir, 'r-old', { createdAt: '2024-01-01T00:00:00.000Z' });
    await writeRunFolder(s.runsDir, 'r-new', { createdAt: '2024-03-01T00:00:00.000Z' });
    await mkdir(join(s.runsDir, 'r-broken'), { recursive: true });
    await writeFile(join(s.runsDir, 'r-broken', 'run.json'), 'not json');

    const runs = savedRunInfoSchema.array().parse(await s.ipcMain.invoke('runs:list'));
    expect(runs.map((r) => r.runId)).toEqual(['r-new', 'r-old']);

    const run = savedRunSchema.parse(await s.ipcMain.invoke('run:open', 'r-old'));
    expect(run.info).toMatchObject({ runId: 'r-old', status: 'finished', epochsCompleted: 2 });
    expect(run.history.map((e) => e.epoch)).toEqual([1, 2]);

    await expect(s.ipcMain.invoke('run:open', 'r-gone')).rejects.toThrow(
      "There is no run 'r-gone'.",
    );
    await expect(s.ipcMain.invoke('run:open', '../r-old')).rejects.toThrow();
  });
});

describe('graphFileName', () => {
  it('keeps folders out and adds the suffix once', () => {
    expect(graphFileName('My model')).toBe('My model.graph.json');
    expect(graphFileName('a.graph.json')).toBe('a.graph.json');
    expect(graphFileName('a.json')).toBe('a.graph.json');
    expect(graphFileName('../x/y')).toBe('..-x-y.graph.json');
    expect(graphFileName('  ')).toBe('Untitled.graph.json');
  });
});
