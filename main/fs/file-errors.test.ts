import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fileErrorSentence, isFileError } from './file-errors.ts';

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('file errors as sentences', () => {
  it('turns what Node throws into words, with no errno text', async () => {
    const missing = await errorOf(readFile('/nonexistent/graph.json'));
    const made = await errorOf(mkdir('/'));
    const intoDevice = await errorOf(writeFile('/dev/null/x', 'x'));
    for (const e of [missing, made, intoDevice]) expect(isFileError(e)).toBe(true);
    expect(fileErrorSentence(missing as NodeJS.ErrnoException)).toBe(
      'There is no file /nonexistent/graph.json.',
    );
    expect(fileErrorSentence(made as NodeJS.ErrnoException)).toBe(
      '/ already exists; choose a new name.',
    );
    expect(fileErrorSentence(intoDevice as NodeJS.ErrnoException)).toBe(
      'Part of the path /dev/null/x is a file, not a folder.',
    );
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
      path: '/data/run/model/weights.bin',
    });
    expect(fileErrorSentence(full)).toBe(
      'The disk holding /data/run/model/weights.bin is full; free some space and try again.',
    );
    for (const e of [missing, made, intoDevice, full]) {
      expect(fileErrorSentence(e as NodeJS.ErrnoException)).not.toMatch(
        /E[A-Z]{3,}|syscall|, (open|mkdir|write)/,
      );
    }
  });

  it('says a read-only disk is read-only, whatever the failed call looked like', () => {
    const readOnly = Object.assign(new Error('EROFS: read-only file system, open'), {
      code: 'EROFS',
      syscall: 'open',
      path: '/media/cd/g.json',
    });
    expect(fileErrorSentence(readOnly)).toBe(
      '/media/cd/g.json is on a read-only disk, so nothing can be written there; choose a place on a disk that can be written to.',
    );
  });
});
