import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DatasetInspection } from '../../core/contract/host.ts';
import { createFakeDialog, createFakeIpcMain, createFakeWindow } from '../fake-electron.ts';
import { isAppFrame, registerChannels } from '../ipc/register-channels.ts';
import {
  createDatasetAccess,
  datasetOfGraphText,
  type InspectDatasetRequest,
} from './dataset-access.ts';
import { createDesktopHandlers } from './desktop-handlers.ts';
import { createFileService } from './file-service.ts';
import { offerRecovery } from './recovery.ts';

vi.mock('electron', async () => (await import('../fake-electron.ts')).fakeElectron);

const GRAPH = await readFile(
  new URL('../../assets/examples/digits-compact.graph.json', import.meta.url),
  'utf8',
);
const graphOn = (dataset: string) => {
  const doc = JSON.parse(GRAPH) as { training: Record<string, unknown> };
  return JSON.stringify({ ...doc, training: { ...doc.training, dataset } });
};

const inspection = (path: string): DatasetInspection => ({
  info: { name: path, description: 'A CSV dataset', fullSize: 3, targets: [] },
  summary: {
    format: 'csv',
    source: path,
    splitFrom: 'ratio',
    images: { train: 1, validation: 1, test: 1 },
    classes: [],
    values: [],
    objectChoice: 'largest',
    multiObjectImages: 0,
    badRowCounts: {},
  },
  badRows: [],
  badRowTotal: 0,
  preview: [],
});

function setupAccess() {
  const dialog = createFakeDialog();
  const inspected: InspectDatasetRequest[] = [];
  const access = createDatasetAccess({
    dialog,
    inspect: async (request) => {
      inspected.push(request);
      return inspection(request.path);
    },
  });
  return { dialog, access, inspected };
}

const request = (path: string): InspectDatasetRequest =>
  ({ path, options: {} }) as unknown as InspectDatasetRequest;

describe('createDatasetAccess', () => {
  it('shows a file dialog for CSV and COCO files, or a folder dialog', async () => {
    const { dialog, access } = setupAccess();
    dialog.openAnswers.push({ canceled: false, filePaths: ['/data/labels.csv'] });
    dialog.openAnswers.push({ canceled: false, filePaths: ['/data/yolo'] });
    dialog.openAnswers.push({ canceled: true, filePaths: [] });
    await expect(access.choose('file')).resolves.toBe('/data/labels.csv');
    await expect(access.choose('folder')).resolves.toBe('/data/yolo');
    await expect(access.choose('folder')).resolves.toBeNull();
    expect(dialog.shown.map((d) => d.options)).toMatchObject([
      { properties: ['openFile'], filters: [{ extensions: ['csv', 'json'] }] },
      { properties: ['openDirectory'] },
      { properties: ['openDirectory'] },
    ]);
  });

  it('inspects only paths it chose or that a graph it read names', async () => {
    const { dialog, access, inspected } = setupAccess();
    await expect(access.inspect(request('/etc/passwd'))).rejects.toThrow(
      "The dataset '/etc/passwd' was not chosen in this session; choose it again with Choose file… or Choose folder….",
    );
    dialog.openAnswers.push({ canceled: false, filePaths: ['/data/labels.csv'] });
    await access.choose('file');
    access.allowGraph(graphOn('/data/coco.json'));
    access.allowGraph('not json');
    await access.inspect(request('/data/labels.csv'));
    await access.inspect(request('/data/coco.json'));
    expect(inspected.map((r) => r.path)).toEqual(['/data/labels.csv', '/data/coco.json']);
  });

  it('lets a run start only from weights a graph read from disk names', () => {
    const { access } = setupAccess();
    expect(() => access.assertMayStartFrom('/home/u/.ssh/id_rsa')).toThrow(
      "The starting weights '/home/u/.ssh/id_rsa' were not named by a graph file opened in this session; open that graph file again.",
    );
    access.allowGraph(JSON.stringify({ training: { initialWeights: '/models/model.json' } }));
    expect(() => access.assertMayStartFrom('/models/model.json')).not.toThrow();
    // A dataset allowed is not weights allowed, and the other way round.
    access.allowGraph(graphOn('/data/labels.csv'));
    expect(() => access.assertMayStartFrom('/data/labels.csv')).toThrow();
    expect(() => access.assertMayTrainOn('/models/model.json')).toThrow();
  });

  it('allows what restored text names only once it is chosen again in a dialog opened there', async () => {
    const { dialog, access } = setupAccess();
    const restored = JSON.stringify({
      training: { dataset: '/data/labels.csv', initialWeights: '/models/model.json' },
    });
    dialog.openAnswers.push({ canceled: true, filePaths: [] });
    dialog.openAnswers.push({ canceled: true, filePaths: [] });
    await expect(access.confirmRestored(restored)).resolves.toBe(restored);
    expect(() => access.assertMayTrainOn('/data/labels.csv')).toThrow('was not chosen');
    expect(() => access.assertMayStartFrom('/models/model.json')).toThrow('were not named');
    expect(dialog.shown.map((d) => d.options)).toMatchObject([
      { defaultPath: '/data/labels.csv', properties: ['openFile'] },
      { defaultPath: '/models/model.json', properties: ['openFile'] },
    ]);

    // The user picks the same dataset and other weights: the text names what was picked.
    dialog.openAnswers.push({ canceled: false, filePaths: ['/data/labels.csv'] });
    dialog.openAnswers.push({ canceled: false, filePaths: ['/models/other/model.json'] });
    const confirmed = JSON.parse(await access.confirmRestored(restored)) as unknown;
    expect(confirmed).toEqual({
      training: { dataset: '/data/labels.csv', initialWeights: '/models/other/model.json' },
    });
    expect(() => access.assertMayTrainOn('/data/labels.csv')).not.toThrow();
    expect(() => access.assertMayStartFrom('/models/other/model.json')).not.toThrow();
    expect(() => access.assertMayStartFrom('/models/model.json')).toThrow('were not named');

    // Built-in datasets and paths already allowed ask nothing.
    const shown = dialog.shown.length;
    await access.confirmRestored(graphOn('digits'));
    await access.confirmRestored(graphOn('/data/labels.csv'));
    expect(dialog.shown).toHaveLength(shown);
  });

  it('reads the dataset a graph file names', () => {
    expect(datasetOfGraphText(graphOn('/d/x.csv'))).toBe('/d/x.csv');
    expect(datasetOfGraphText('{"training":{"dataset":3}}')).toBeUndefined();
    expect(datasetOfGraphText('null')).toBeUndefined();
  });
});

describe('the dataset channels', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mts-dataset-access-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function setup() {
    const dialog = createFakeDialog();
    const inspected: string[] = [];
    const files = createFileService({ userDataDir: join(dir, 'user-data') });
    const shell = createDesktopHandlers({
      dialog,
      files,
      getWindow: () => createFakeWindow(),
      defaultSaveDir: dir,
      listExamples: async () => [],
      listDatasets: () => [],
      inspectDataset: async (r) => {
        inspected.push(r.path);
        return inspection(r.path);
      },
      runs: {
        start: () => ({ runId: 'r1' }),
        resume: (runId) => ({ runId }),
        stop: () => undefined,
        modelDir: () => dir,
        runsDir: dir,
      },
    });
    const ipcMain = createFakeIpcMain();
    registerChannels(ipcMain, shell.handlers, { isTrustedSender: isAppFrame });
    return { dialog, ipcMain, inspected, shell, files };
  }

  it('answers the chosen path, then inspects it with the options filled in', async () => {
    const { dialog, ipcMain, inspected } = await setup();
    dialog.openAnswers.push({ canceled: false, filePaths: ['/data/shapes'] });
    await expect(ipcMain.invoke('dataset:choose', { kind: 'folder' })).resolves.toBe(
      '/data/shapes',
    );
    const answer = await ipcMain.invoke('dataset:inspect', { path: '/data/shapes' });
    expect(answer).toMatchObject({ info: { name: '/data/shapes' } });
    expect(inspected).toEqual(['/data/shapes']);
    await expect(ipcMain.invoke('dataset:choose', { kind: 'disk' })).rejects.toThrow(
      "The 'dataset:choose' request is invalid at 'kind'",
    );
  });

  it('allows the dataset of a graph it read from disk, never one named by text the page saved', async () => {
    const { dialog, ipcMain, inspected } = await setup();
    const graphPath = join(dir, 'm.graph.json');
    await writeFile(graphPath, graphOn('/data/opened.csv'));
    dialog.openAnswers.push({ canceled: false, filePaths: [graphPath] });
    await ipcMain.invoke('file:open');
    // With a file open, Save shows no dialog: the page alone chooses what the text names.
    await ipcMain.invoke('file:save', {
      text: graphOn('/etc/shadow'),
      saveAs: false,
      suggestedName: 'm',
    });
    expect(dialog.saveAnswers).toHaveLength(0);
    await ipcMain.invoke('dataset:inspect', { path: '/data/opened.csv' });
    await expect(ipcMain.invoke('dataset:inspect', { path: '/etc/shadow' })).rejects.toThrow(
      "The dataset '/etc/shadow' was not chosen in this session",
    );
    await expect(
      ipcMain.invoke('run:start', { graph: JSON.parse(graphOn('/etc/shadow')) }),
    ).rejects.toThrow("The dataset '/etc/shadow' was not chosen in this session");
    await expect(ipcMain.invoke('dataset:inspect', { path: '/home/me/.ssh' })).rejects.toThrow(
      'was not chosen in this session',
    );
    expect(inspected).toEqual(['/data/opened.csv']);
  });

  it('starts runs on built-in or allowed datasets only', async () => {
    const { dialog, ipcMain } = await setup();
    const graph = JSON.parse(GRAPH) as unknown;
    await expect(ipcMain.invoke('run:start', { graph })).resolves.toEqual({ runId: 'r1' });
    await expect(
      ipcMain.invoke('run:start', { graph, settings: { dataset: '/home/me/.ssh/id_rsa' } }),
    ).rejects.toThrow("The dataset '/home/me/.ssh/id_rsa' was not chosen in this session");
    await expect(
      ipcMain.invoke('run:start', { graph: JSON.parse(graphOn('/data/elsewhere.csv')) }),
    ).rejects.toThrow("The dataset '/data/elsewhere.csv' was not chosen");
    await expect(
      ipcMain.invoke('run:start', { graph, settings: { initialWeights: '/etc/passwd' } }),
    ).rejects.toThrow("The starting weights '/etc/passwd' were not named by a graph file");
    dialog.openAnswers.push({ canceled: false, filePaths: ['/data/labels.csv'] });
    await ipcMain.invoke('dataset:choose', { kind: 'file' });
    await expect(
      ipcMain.invoke('run:start', { graph, settings: { dataset: '/data/labels.csv' } }),
    ).resolves.toEqual({ runId: 'r1' });
  });

  it('asks again for the dataset of work restored from the autosave, whose text the page wrote', async () => {
    const { dialog, ipcMain, shell, files } = await setup();
    // What autosave keeps after the page reported a graph naming /etc/shadow, then the app crashed.
    await files.autosave(graphOn('/etc/shadow'), 'm.graph.json', null);
    dialog.messageAnswers.push(0); // Escape answers Restore.
    dialog.openAnswers.push({ canceled: true, filePaths: [] });
    const sent: string[] = [];
    await expect(
      offerRecovery({
        files,
        dialog,
        log: () => undefined,
        restore: async (recovery) => {
          sent.push(await shell.expectRecovered(recovery.path, recovery.text));
        },
      }),
    ).resolves.toBe('restored');
    expect(dialog.shown[1]).toMatchObject({
      kind: 'open',
      options: { defaultPath: '/etc/shadow', properties: ['openDirectory'] },
    });
    // The work is restored as it was; only reading the path it names is refused.
    expect(sent).toEqual([graphOn('/etc/shadow')]);
    await expect(
      ipcMain.invoke('run:start', { graph: JSON.parse(graphOn('/etc/shadow')) }),
    ).rejects.toThrow(
      "The dataset '/etc/shadow' was not chosen in this session; choose it again with Choose file… or Choose folder….",
    );
    await expect(ipcMain.invoke('dataset:inspect', { path: '/etc/shadow' })).rejects.toThrow(
      'was not chosen in this session',
    );
    // Chosen again in the dialog, it may be used.
    dialog.openAnswers.push({ canceled: false, filePaths: ['/data/restored.csv'] });
    await shell.expectRecovered(null, graphOn('/data/restored.csv'));
    await expect(
      ipcMain.invoke('run:start', { graph: JSON.parse(graphOn('/data/restored.csv')) }),
    ).resolves.toEqual({ runId: 'r1' });
  });
});
