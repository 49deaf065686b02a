import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkNewFile, checkNewFolder } from './out-folder.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-out-'));
  await writeFile(join(work, 'a-file'), 'x');
  await mkdir(join(work, 'full'));
  await writeFile(join(work, 'full', 'x'), 'x');
});

const refusal = (path: string) =>
  checkNewFolder(path, 'the run').then(
    () => 'accepted',
    (e: Error) => e.message,
  );

describe('a new folder for a run', () => {
  it('accepts a new or empty folder, nested under ones still to make', async () => {
    expect(await checkNewFolder(join(work, 'new', 'deeper'), 'the run')).toBe(
      join(work, 'new', 'deeper'),
    );
    await mkdir(join(work, 'empty'));
    expect(await refusal(join(work, 'empty'))).toBe('accepted');
  });

  it.runIf(process.platform === 'linux')(
    'refuses /proc, /sys and /dev at once, before any mkdir could spin',
    async () => {
      expect(await refusal('/proc/x')).toBe(
        '/proc/x is inside the process table /proc, which holds no files; choose a folder on disk for the run.',
      );
      expect(await refusal('/sys/kernel/x/y')).toMatch(
        /^\/sys\/kernel\/x\/y is inside the kernel objects \/sys/,
      );
      expect(await refusal('/dev/shm/../mts')).toMatch(/^\/dev\/mts is inside the devices \/dev/);
      expect(await refusal('/dev/zero')).toBe(
        '/dev/zero is a device, not a folder; choose a new or empty folder for the run.',
      );
    },
  );

  it('refuses an empty path, a file, a non-empty folder and a path through a file', async () => {
    expect(await refusal('')).toBe(
      'The folder for the run is an empty path; give a folder, new or empty.',
    );
    expect(await refusal(join(work, 'a-file'))).toBe(
      `${join(work, 'a-file')} is a file, not a folder; choose a new or empty folder for the run.`,
    );
    expect(await refusal(join(work, 'full'))).toBe(
      `The folder ${join(work, 'full')} is not empty; choose a new or empty folder for the run so nothing in it is overwritten.`,
    );
    expect(await refusal(join(work, 'a-file', 'run'))).toBe(
      `Part of the path ${join(work, 'a-file', 'run')} is a file, not a folder.`,
    );
  });

  it.skipIf(process.getuid?.() === 0)('refuses a folder the user may not write in', async () => {
    await mkdir(join(work, 'locked'));
    await chmod(join(work, 'locked'), 0o500);
    expect(await refusal(join(work, 'locked', 'run'))).toBe(
      `Multitask Studio may not write in ${join(work, 'locked')}, so the folder for the run cannot be made there; choose another.`,
    );
  });
});

describe('a new file (import --out)', () => {
  const fileRefusal = (path: string, replace = false) =>
    checkNewFile(path, 'the graph file', { replace, replaceFlag: '--force' }).then(
      () => 'accepted',
      (e: Error) => e.message,
    );

  it('refuses an existing file unless the user says to replace it', async () => {
    const file = join(work, 'a-file');
    expect(await fileRefusal(file)).toBe(
      `${file} already exists; choose a new name for the graph file, or give --force to replace it.`,
    );
    expect(await fileRefusal(file, true)).toBe('accepted');
    expect(await fileRefusal(join(work, 'new.graph.json'))).toBe('accepted');
    expect(await fileRefusal(join(work, 'full'), true)).toBe(
      `${join(work, 'full')} is a folder, not a file; choose a new file for the graph file.`,
    );
    expect(await fileRefusal(join(work, 'nowhere', 'g.json'))).toBe(
      `The folder ${join(work, 'nowhere')} for the graph file does not exist.`,
    );
  });

  it.runIf(process.platform === 'linux')(
    'says /proc is a system folder, not that a file is missing',
    async () => {
      expect(await fileRefusal('/proc/x.graph.json')).toBe(
        '/proc/x.graph.json is inside the process table /proc, which holds no files; choose a folder on disk for the graph file.',
      );
      expect(await fileRefusal('/dev/zero', true)).toBe(
        '/dev/zero is a device, not a file; choose a new file for the graph file.',
      );
    },
  );
});
