import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  renameRunRequestSchema,
  runNameSchema,
  startRunRequestSchema,
} from '../../core/contract/host.ts';
import { renameSavedRun, storedRunName } from './run-name.ts';
import { listSavedRuns } from './saved-runs.ts';
import { writeRunFolder } from './test-run-folders.ts';

describe('runNameSchema', () => {
  it('trims a name and takes up to 120 characters', () => {
    expect(runNameSchema.parse('  lower rate  ')).toBe('lower rate');
    expect(runNameSchema.parse('ü · run 3 – 日本')).toBe('ü · run 3 – 日本');
    expect(runNameSchema.safeParse('x'.repeat(120)).success).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(121)],
    ['a newline', 'a\nb'],
    ['a tab', 'a\tb'],
    ['a NUL', 'a\u0000b'],
    ['an escape', 'a\u001b[31mb'],
    ['a C1 control', 'a\u0085b'],
    ['not a string', 42],
  ])('refuses %s', (_what, name) => {
    expect(runNameSchema.safeParse(name).success).toBe(false);
  });

  it('is optional in the start request and required in the rename request', () => {
    expect(startRunRequestSchema.parse({ graph: {} }).name).toBeUndefined();
    expect(startRunRequestSchema.parse({ graph: {}, name: ' a · run 1 ' }).name).toBe(
      'a · run 1',
    );
    expect(startRunRequestSchema.safeParse({ graph: {}, name: '' }).success).toBe(false);
    expect(renameRunRequestSchema.safeParse({ runId: 'run-1' }).success).toBe(false);
    expect(renameRunRequestSchema.safeParse({ runId: '../x', name: 'a' }).success).toBe(false);
    expect(renameRunRequestSchema.safeParse({ runId: 'r', name: 'a', more: 1 }).success).toBe(
      false,
    );
  });
});

describe('renameSavedRun', () => {
  let runsDir: string;
  beforeEach(async () => {
    runsDir = await mkdtemp(join(tmpdir(), 'mts-rename-'));
  });
  afterEach(() => rm(runsDir, { recursive: true, force: true }));

  it('writes the name into run.json, keeps every other field, and the list shows it', async () => {
    const dir = await writeRunFolder(runsDir, 'run-a');
    const before = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as object;
    expect((await listSavedRuns(runsDir))[0]?.name).toBeUndefined();
    expect(await renameSavedRun(runsDir, 'run-a', '  faster rate ')).toBe('faster rate');
    const after = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as object;
    expect(after).toEqual({ ...before, name: 'faster rate' });
    expect(await storedRunName(dir)).toBe('faster rate');
    expect((await listSavedRuns(runsDir))[0]).toMatchObject({
      runId: 'run-a',
      name: 'faster rate',
    });
    await renameSavedRun(runsDir, 'run-a', 'again');
    expect(await storedRunName(dir)).toBe('again');
  });

  it('refuses an unknown run, a bad id, a bad name and a broken run.json with one sentence', async () => {
    const dir = await writeRunFolder(runsDir, 'run-a');
    await expect(renameSavedRun(runsDir, 'run-nope', 'x')).rejects.toMatchObject({
      code: 'E_RUN_UNKNOWN',
      message: "There is no run 'run-nope'.",
    });
    await expect(renameSavedRun(runsDir, '../etc', 'x')).rejects.toMatchObject({
      code: 'E_RUN_UNKNOWN',
    });
    await expect(renameSavedRun(runsDir, 'run-a', 'a\nb')).rejects.toMatchObject({
      code: 'E_RUN_NAME',
      message: 'The run cannot be named so: a run name cannot hold control characters.',
    });
    await expect(renameSavedRun(runsDir, 'run-a', ' ')).rejects.toMatchObject({
      message: 'The run cannot be named so: a run name cannot be empty.',
    });
    await writeFile(join(dir, 'run.json'), JSON.stringify({ format: 'something else' }));
    await expect(renameSavedRun(runsDir, 'run-a', 'x')).rejects.toMatchObject({
      code: 'E_RUN_INVALID',
    });
    // Nothing was written over the file that was there.
    expect(JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'))).toEqual({
      format: 'something else',
    });
  });
});
