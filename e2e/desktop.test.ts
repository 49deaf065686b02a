import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../core/graph/load.ts';
import { tinyReferenceGraph } from '../main/engine/test-graphs.ts';
import {
  answerDialogs,
  buildDesktopApp,
  dialogCalls,
  ELECTRON,
  launchDesktopStudio,
  RESTORE,
  type DesktopStudio,
} from './desktop-harness.ts';
import { expectReferenceModel, trainAndExpectSeriesPerTask } from './flows.ts';
import { SCREENSHOTS } from './harness.ts';

/**
 * The user flows of studio.test.ts in the desktop app: the same renderer behind Electron's IPC,
 * training in utility processes, real files through the (answered) native dialogs.
 */

if (!ELECTRON) {
  console.warn(
    'Skipping the desktop end-to-end tests: there is no Electron executable ' +
      '(node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH, which is not set). ' +
      'To run them, let `npm install` download Electron or set ELECTRON_OVERRIDE_DIST_PATH to ' +
      'an unpacked Electron folder; without a display, run them under xvfb-run.',
  );
}

describe.skipIf(!ELECTRON)('Multitask Studio as a desktop app', { timeout: 240_000 }, () => {
  let studio: DesktopStudio;
  /** Graph files and exports of the tests, outside the app's data folder. */
  let work: string;
  let tinyGraphFile: string;

  beforeAll(async () => {
    await buildDesktopApp();
    work = await mkdtemp(join(tmpdir(), 'mts-e2e-desktop-files-'));
    tinyGraphFile = join(work, 'tiny.graph.json');
    await writeFile(tinyGraphFile, serializeGraphDocument(tinyReferenceGraph()));
    await mkdir(SCREENSHOTS, { recursive: true });
    studio = await launchDesktopStudio();
  }, 240_000);

  afterAll(async () => {
    expect(studio?.pageErrors ?? []).toEqual([]);
    await studio?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('opens with the reference model, titled in the window', async () => {
    await expectReferenceModel(studio.page);
    await expect.poll(() => studio.title()).toBe('keras-reference.graph.json — Multitask Studio');
    await studio.page.screenshot({ path: join(SCREENSHOTS, 'desktop-reference.png') });
  });

  it('opens a graph with the open dialog, trains it with a series per task, and exports the model', async () => {
    const { app, page } = studio;
    await answerDialogs(app, { open: tinyGraphFile });
    await page.getByTestId('btn-open').click();
    await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('tiny');
    expect(await studio.title()).toBe('tiny.graph.json — Multitask Studio');

    await trainAndExpectSeriesPerTask(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-run.png') });
    // The run folder lies in the app's data folder.
    expect((await readdir(join(studio.userData, 'runs'))).length).toBe(1);

    const exported = join(work, 'export');
    await answerDialogs(app, { open: exported });
    await page.getByTestId('btn-export').click();
    await expect
      .poll(() => readdir(exported).catch(() => [] as string[]), { timeout: 30_000 })
      .toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'graph.json']));
  });

  it('saves as a new file, reopens it and saves again to the same file without asking', async () => {
    const { app, page } = studio;
    const nodes = await page.getByTestId('studio-node').count();
    // Saving without the suffix: the main process adds it.
    await answerDialogs(app, { save: join(work, 'saved') });
    await page.getByTestId('btn-save-as').click();
    const saved = join(work, 'saved.graph.json');
    await expect.poll(() => readFile(saved, 'utf8').catch(() => '')).not.toBe('');
    await expect.poll(() => studio.title()).toBe('saved.graph.json — Multitask Studio');
    const first = JSON.parse(await readFile(saved, 'utf8')) as unknown;

    await page.getByTestId('btn-new').click();
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(0);
    // The editor has told the main process: the new graph has no file yet.
    await expect.poll(() => studio.title()).toBe('untitled.graph.json — Multitask Studio');
    await answerDialogs(app, { open: saved });
    await page.getByTestId('btn-open').click();
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(nodes);
    await expect.poll(() => studio.title()).toBe('saved.graph.json — Multitask Studio');

    const before = (await dialogCalls(app)).length;
    await rm(saved);
    await page.getByTestId('btn-save').click();
    await expect.poll(() => readFile(saved, 'utf8').catch(() => '')).not.toBe('');
    expect(JSON.parse(await readFile(saved, 'utf8'))).toEqual(first);
    expect((await dialogCalls(app)).slice(before)).toEqual([]);
  });
});

describe.skipIf(!ELECTRON)('Crash recovery in the desktop app', { timeout: 240_000 }, () => {
  let userData: string;
  let studio: DesktopStudio | undefined;

  beforeAll(async () => {
    await buildDesktopApp();
    userData = await mkdtemp(join(tmpdir(), 'mts-e2e-desktop-crashed-'));
    // What a session that crashed with unsaved work of a file leaves behind (file-service.ts).
    const graph = serializeGraphDocument({ ...tinyReferenceGraph(), name: 'Unsaved edits' });
    const target = join(userData, 'before-the-crash.graph.json');
    await mkdir(join(userData, 'autosave'), { recursive: true });
    await writeFile(join(userData, 'autosave', 'current.graph.json'), graph);
    await writeFile(
      join(userData, 'autosave', 'meta.json'),
      JSON.stringify({ name: 'before-the-crash.graph.json', path: target, savedAt: new Date() }),
    );
  }, 240_000);

  afterAll(async () => {
    await studio?.close();
    await rm(userData, { recursive: true, force: true });
  });

  it('offers the unsaved work back at start and saves it to its own file', async () => {
    studio = await launchDesktopStudio({
      userData,
      // The prompt waits for the editor's first report, so the answer is in place before it.
      beforeEditor: (app) => answerDialogs(app, { message: RESTORE }),
    });
    const { app, page } = studio;
    await expect
      .poll(() => page.getByTestId('file-name').textContent())
      .toContain('before-the-crash');
    await expect
      .poll(() => studio?.title())
      .toBe('before-the-crash.graph.json• — Multitask Studio');
    expect(await dialogCalls(app)).toEqual(['message']);

    await page.getByTestId('btn-save').click();
    const target = join(userData, 'before-the-crash.graph.json');
    await expect
      .poll(() => readFile(target, 'utf8').catch(() => ''))
      .toContain('"name": "Unsaved edits"');
    expect(await dialogCalls(app)).toEqual(['message']);
    await expect.poll(() => readdir(join(userData, 'autosave'))).toEqual([]);
  });
});
