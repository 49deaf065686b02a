import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeDialog } from '../fake-electron.ts';
import { AUTOSAVE_DIR, AUTOSAVE_META, createFileService, type Recovery } from './file-service.ts';
import { offerRecovery, recoveredDocument, recoveryPromptOptions } from './recovery.ts';

const GRAPH = await readFile(
  new URL('../../assets/examples/digits-compact.graph.json', import.meta.url),
  'utf8',
);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mts-recovery-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function setup() {
  const files = createFileService({ userDataDir: dir });
  const dialog = createFakeDialog();
  const restored: Recovery[] = [];
  const logged: string[] = [];
  const deps = {
    files,
    dialog,
    restore: (recovery: Recovery) => void restored.push(recovery),
    log: (line: string) => void logged.push(line),
    formatTime: (iso: string) => `<${iso.slice(0, 4)}>`,
  };
  return { files, dialog, restored, logged, deps };
}

describe('offerRecovery', () => {
  it('asks, and on Restore hands the work over and keeps the autosave until it is saved', async () => {
    const s = setup();
    await s.files.autosave(GRAPH, 'model.graph.json', '/home/a/model.graph.json');
    s.dialog.messageAnswers.push(0);
    await expect(offerRecovery(s.deps)).resolves.toBe('restored');
    expect(s.dialog.shown).toHaveLength(1);
    expect(s.dialog.shown[0]?.options).toMatchObject({
      buttons: ['Restore', 'Discard'],
      defaultId: 0,
      cancelId: 0,
      message: expect.stringMatching(
        /^Multitask Studio closed before model\.graph\.json was saved\. Restore the unsaved changes from <\d{4}>\?$/,
      ),
    });
    expect(s.restored).toEqual([
      expect.objectContaining({ path: '/home/a/model.graph.json', text: GRAPH }),
    ]);
    expect(await s.files.pendingRecovery()).not.toBeNull();
    expect(s.logged).toEqual([]);
  });

  it('on Discard clears the autosave and restores nothing', async () => {
    const s = setup();
    await s.files.autosave(GRAPH, 'keras-reference.graph.json');
    s.dialog.messageAnswers.push(1);
    await expect(offerRecovery(s.deps)).resolves.toBe('discarded');
    expect(s.dialog.shown[0]?.options).toMatchObject({
      message: expect.stringContaining('closed before an untitled graph was saved.'),
    });
    expect(s.restored).toEqual([]);
    expect(await s.files.pendingRecovery()).toBeNull();
  });

  it('asks nothing when there is nothing to recover', async () => {
    const s = setup();
    await expect(offerRecovery(s.deps)).resolves.toBe('none');
    expect(s.dialog.shown).toEqual([]);
    expect(s.logged).toEqual([]);
  });

  it('discards a damaged autosave with a log line, without asking', async () => {
    const s = setup();
    await s.files.autosave(GRAPH, 'model.graph.json');
    await writeFile(join(dir, AUTOSAVE_DIR, AUTOSAVE_META), '{"name": "model.gr');
    await expect(offerRecovery(s.deps)).resolves.toBe('damaged');
    expect(s.dialog.shown).toEqual([]);
    expect(s.restored).toEqual([]);
    expect(s.logged).toEqual([
      'The autosaved work cannot be restored: meta.json is not JSON. It was discarded.',
    ]);
    await expect(s.files.pendingRecovery()).resolves.toBeNull();
  });

  it('never throws: a prompt that fails keeps the autosave for the next start', async () => {
    const s = setup();
    await s.files.autosave(GRAPH, 'model.graph.json');
    // The fake dialog throws when it has no scripted answer.
    await expect(offerRecovery(s.deps)).resolves.toBe('failed');
    expect(s.logged).toEqual([
      expect.stringMatching(/^Could not offer the autosaved work back; it is kept/),
    ]);
    expect(await s.files.pendingRecovery()).not.toBeNull();

    s.dialog.messageAnswers.push(0);
    const failing = {
      ...s.deps,
      restore: () => {
        throw new Error('The window is gone');
      },
    };
    await expect(offerRecovery(failing)).resolves.toBe('failed');
    expect(await s.files.pendingRecovery()).not.toBeNull();
  });
});

describe('what the editor gets', () => {
  const recovery = { name: 'keras-reference.graph.json', savedAt: '', text: GRAPH };

  it('names the work after its file, or keeps its own name when it never had one', () => {
    expect(recoveredDocument({ ...recovery, path: '/home/a/model.graph.json' })).toEqual({
      name: 'model.graph.json',
      text: GRAPH,
      untitled: false,
    });
    expect(recoveredDocument({ ...recovery, path: null })).toEqual({
      name: 'keras-reference.graph.json',
      text: GRAPH,
      untitled: true,
    });
  });

  it('shows the local time of the autosave by default', () => {
    const savedAt = '2026-05-03T14:02:11.000Z';
    expect(recoveryPromptOptions({ path: null, savedAt }).message).toContain(
      new Date(savedAt).toLocaleString(),
    );
  });
});
