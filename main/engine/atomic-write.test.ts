import { existsSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { mkdir, mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readableFolder, replaceFolder, settleFolder, type FolderSwapFs } from './atomic-write.ts';

const writeSet = (epoch: number) => async (dir: string) => {
  await writeFile(join(dir, 'weights.bin'), `weights ${epoch}`);
  await writeFile(join(dir, 'state.json'), `state ${epoch}`);
};
const setIn = async (dir: string) =>
  Object.fromEntries(
    await Promise.all(
      (await readdir(dir)).map(async (f) => [f, await readFile(join(dir, f), 'utf8')] as const),
    ),
  );

/** A file system that fails the nth rename, as a crash at that point would stop the replace. */
const failingRename = (nth: number): FolderSwapFs => {
  let calls = 0;
  return {
    ...nodeFs,
    rename: async (from, to) => {
      if (++calls === nth) throw Object.assign(new Error('crash'), { code: 'EIO' });
      await nodeFs.rename(from, to);
    },
  };
};

describe('replaceFolder', () => {
  it('replaces a folder as a whole and leaves nothing beside it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-swap-'));
    const last = join(root, 'last');
    await replaceFolder(last, writeSet(1));
    await replaceFolder(last, writeSet(2));
    expect(await setIn(last)).toEqual({ 'weights.bin': 'weights 2', 'state.json': 'state 2' });
    expect(await readdir(root)).toEqual(['last']);
  });

  it('keeps the old set whole when writing the new one or either rename fails', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-swap-'));
    const last = join(root, 'last');
    await replaceFolder(last, writeSet(1));
    const halfWritten = async (dir: string) => {
      await writeFile(join(dir, 'weights.bin'), 'weights 2');
      throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    };
    await expect(replaceFolder(last, halfWritten)).rejects.toThrow('no space');
    for (const nth of [1, 2]) {
      await expect(replaceFolder(last, writeSet(2), failingRename(nth))).rejects.toThrow('crash');
      expect(await setIn(last)).toEqual({ 'weights.bin': 'weights 1', 'state.json': 'state 1' });
      expect(await readdir(root)).toEqual(['last']);
    }
  });

  it('does not make again a parent folder deleted meanwhile', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-swap-'));
    await expect(replaceFolder(join(root, 'gone', 'last'), writeSet(1))).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(root, 'gone'))).toBe(false);
  });
});

describe('after a replace cut off by a crash', () => {
  it('between the renames: the old set is read aside, and put back by settleFolder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-swap-'));
    const last = join(root, 'last');
    await replaceFolder(last, writeSet(1));
    // The state a kill -9 leaves after the old folder went aside and before the new one came in.
    await rename(last, `${last}.old-4242-7`);
    await mkdir(`${last}.tmp-4242-6`);
    await writeSet(2)(`${last}.tmp-4242-6`);
    expect(readableFolder(last)).toBe(`${last}.old-4242-7`);
    await settleFolder(last);
    expect(await readdir(root)).toEqual(['last']);
    expect(await setIn(last)).toEqual({ 'weights.bin': 'weights 1', 'state.json': 'state 1' });
    expect(readableFolder(last)).toBe(last);
  });

  it('after the second rename: the old set left aside is removed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-swap-'));
    const last = join(root, 'last');
    await replaceFolder(last, writeSet(2));
    await mkdir(`${last}.old-4242-9`);
    await writeSet(1)(`${last}.old-4242-9`);
    await settleFolder(last);
    expect(await readdir(root)).toEqual(['last']);
    expect(await setIn(last)).toEqual({ 'weights.bin': 'weights 2', 'state.json': 'state 2' });
  });
});
