import * as nodeFs from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUTOSAVE_DIR,
  AUTOSAVE_DOCUMENT,
  AUTOSAVE_META,
  MAX_RECENT_FILES,
  createFileService,
  type FileServiceFs,
} from './file-service.ts';

const GRAPH = await readFile(
  new URL('../../assets/examples/digits-compact.graph.json', import.meta.url),
  'utf8',
);
const OTHER_GRAPH = GRAPH.replace(/"name":\s*"[^"]*"/, '"name": "Edited"');

let dir: string;
let userDataDir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mts-files-'));
  userDataDir = join(dir, 'user-data');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A file system whose rename fails: the process died between writing the temp file and renaming. */
const crashingRename: FileServiceFs = {
  ...nodeFs,
  rename: async () => {
    throw Object.assign(new Error('EIO: the disk went away'), { code: 'EIO' });
  },
};

describe('readGraphFile', () => {
  it('reads a graph file with its name', async () => {
    const path = join(dir, 'model.graph.json');
    await writeFile(path, GRAPH);
    const files = createFileService({ userDataDir });
    await expect(files.readGraphFile(path)).resolves.toEqual({
      path,
      name: 'model.graph.json',
      text: GRAPH,
    });
  });

  it('refuses a file that is not a graph with the loader’s sentence', async () => {
    const path = join(dir, 'notes.json');
    await writeFile(path, '{"hello": 1}');
    await expect(createFileService({ userDataDir }).readGraphFile(path)).rejects.toThrow(
      'The file is not a Multitask Studio graph: expected "format": "multitask-studio/graph".',
    );
  });

  it('refuses a missing file and one over the size limit with a sentence', async () => {
    const files = createFileService({ userDataDir });
    await expect(files.readGraphFile(join(dir, 'gone.graph.json'))).rejects.toThrow(
      /^The graph file .*gone\.graph\.json does not exist\.$/,
    );
    const big = join(dir, 'big.graph.json');
    const fs: FileServiceFs = {
      ...nodeFs,
      stat: (async () => ({ size: 62_300_000, isFile: () => true })) as never,
    };
    await expect(createFileService({ userDataDir, fs }).readGraphFile(big)).rejects.toThrow(
      'The file big.graph.json is 62.3 MB; a graph file is at most 50.0 MB.',
    );
  });
});

describe('saveGraphFile', () => {
  it('replaces the content and leaves no temp file', async () => {
    const path = join(dir, 'model.graph.json');
    await writeFile(path, GRAPH);
    await createFileService({ userDataDir }).saveGraphFile(path, OTHER_GRAPH);
    expect(await readFile(path, 'utf8')).toBe(OTHER_GRAPH);
    expect(await readdir(dir)).toEqual(['model.graph.json']);
  });

  it('leaves the old file whole when the write dies before the rename', async () => {
    const path = join(dir, 'model.graph.json');
    await writeFile(path, GRAPH);
    const files = createFileService({ userDataDir, fs: crashingRename });
    await expect(files.saveGraphFile(path, OTHER_GRAPH)).rejects.toThrow('EIO');
    expect(await readFile(path, 'utf8')).toBe(GRAPH);
    expect(await readdir(dir)).toEqual(['model.graph.json']);
  });
});

describe('recent files', () => {
  async function makeFiles(count: number): Promise<string[]> {
    const paths = Array.from({ length: count }, (_, i) => join(dir, `g${i}.graph.json`));
    for (const path of paths) await writeFile(path, GRAPH);
    return paths;
  }

  it('lists the most recent first, without duplicates', async () => {
    const [a, b, c] = (await makeFiles(3)) as [string, string, string];
    const files = createFileService({ userDataDir });
    await files.addRecent(a);
    await files.addRecent(b);
    await files.addRecent(c);
    await files.addRecent(a);
    expect(await files.listRecent()).toEqual([
      { path: a, name: 'g0.graph.json' },
      { path: c, name: 'g2.graph.json' },
      { path: b, name: 'g1.graph.json' },
    ]);
    expect(await files.recentPath(1)).toBe(c);
    expect(await files.recentPath(3)).toBeUndefined();
  });

  it(`keeps at most ${MAX_RECENT_FILES}, and survives a restart`, async () => {
    const paths = await makeFiles(MAX_RECENT_FILES + 2);
    const files = createFileService({ userDataDir });
    for (const path of paths) await files.addRecent(path);
    const listed = await createFileService({ userDataDir }).listRecent();
    expect(listed.map((f) => f.path)).toEqual([...paths].reverse().slice(0, MAX_RECENT_FILES));
  });

  it('drops files that no longer exist, so indexes match what the renderer was shown', async () => {
    const [a, b, c] = (await makeFiles(3)) as [string, string, string];
    const files = createFileService({ userDataDir });
    for (const path of [a, b, c]) await files.addRecent(path);
    await rm(b);
    expect((await files.listRecent()).map((f) => f.path)).toEqual([c, a]);
    expect(await files.recentPath(1)).toBe(a);
  });

  it('starts an empty list when recent.json is damaged', async () => {
    await nodeFs.mkdir(userDataDir, { recursive: true });
    await writeFile(join(userDataDir, 'recent.json'), '{not json');
    const files = createFileService({ userDataDir });
    expect(await files.listRecent()).toEqual([]);
    const [a] = (await makeFiles(1)) as [string];
    await files.addRecent(a);
    expect((await files.listRecent()).map((f) => f.path)).toEqual([a]);
  });

  it('loses no entry when two are added at once', async () => {
    const [a, b] = (await makeFiles(2)) as [string, string];
    const files = createFileService({ userDataDir });
    await Promise.all([files.addRecent(a), files.addRecent(b)]);
    expect((await files.listRecent()).map((f) => f.path)).toEqual([b, a]);
  });
});

describe('autosave and recovery', () => {
  it('recovers the autosaved work after a crash (the session never cleared it)', async () => {
    const crashed = createFileService({ userDataDir });
    await crashed.autosave(OTHER_GRAPH, 'model.graph.json', '/home/a/model.graph.json');
    // A new session starts: no clearAutosave happened.
    const recovery = await createFileService({ userDataDir }).pendingRecovery();
    expect(recovery).toMatchObject({
      name: 'model.graph.json',
      path: '/home/a/model.graph.json',
      text: OTHER_GRAPH,
    });
    expect(Number.isNaN(Date.parse(recovery?.savedAt ?? ''))).toBe(false);
  });

  it('has nothing to recover after a clean save or quit', async () => {
    const files = createFileService({ userDataDir });
    expect(await files.pendingRecovery()).toBeNull();
    await files.autosave(OTHER_GRAPH, 'Untitled');
    await files.clearAutosave();
    expect(await createFileService({ userDataDir }).pendingRecovery()).toBeNull();
    expect(await readdir(join(userDataDir, AUTOSAVE_DIR))).toEqual([]);
    // Clearing twice is harmless.
    await files.clearAutosave();
  });

  it('keeps the last complete autosave when a later one dies mid-write', async () => {
    await createFileService({ userDataDir }).autosave(GRAPH, 'first');
    await expect(
      createFileService({ userDataDir, fs: crashingRename }).autosave(OTHER_GRAPH, 'second'),
    ).rejects.toThrow('EIO');
    const recovery = await createFileService({ userDataDir }).pendingRecovery();
    expect(recovery).toMatchObject({ name: 'first', text: GRAPH });
  });

  it('says why a damaged autosave cannot be restored', async () => {
    const files = createFileService({ userDataDir });
    await files.autosave('{"format": "something else"}', 'broken');
    await expect(files.pendingRecovery()).rejects.toThrow(
      /^The autosaved work cannot be restored: The file is not a Multitask Studio graph: .*[^.]\.$/,
    );
    const dir = join(userDataDir, AUTOSAVE_DIR);
    await writeFile(join(dir, AUTOSAVE_META), '{"name": 1');
    await expect(files.pendingRecovery()).rejects.toThrow(
      'The autosaved work cannot be restored: meta.json is not JSON.',
    );
    await writeFile(join(dir, AUTOSAVE_META), '{"name": 1}');
    await expect(files.pendingRecovery()).rejects.toThrow(
      'The autosaved work cannot be restored: meta.json does not describe autosaved work.',
    );
    await files.autosave(GRAPH, 'whole');
    await rm(join(dir, AUTOSAVE_DOCUMENT));
    await expect(files.pendingRecovery()).rejects.toThrow(
      'The autosaved work cannot be restored: current.graph.json is missing.',
    );
    // Clearing leaves nothing to recover, damaged or not.
    await files.clearAutosave();
    await expect(files.pendingRecovery()).resolves.toBeNull();
  });
});
