import { execFileSync } from 'node:child_process';
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRegularFile, readRegularText } from './regular-file.ts';

let work: string;
let pipe: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-regular-'));
  pipe = join(work, 'pipe.json');
  execFileSync('mkfifo', [pipe]);
});

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'read',
    (e: Error) => e.message,
  );

describe.runIf(process.platform === 'linux')('reading a file a user points at', () => {
  it('refuses a pipe, a device and a file of /proc before reading (a pipe would block for good)', async () => {
    expect(await refusal(readRegularFile(pipe, { what: 'graph file' }))).toBe(
      `${pipe} is a pipe, not a graph file.`,
    );
    expect(await refusal(readRegularFile('/dev/zero', { what: 'model file' }))).toBe(
      '/dev/zero is a device, not a model file.',
    );
    // /proc/self/mem is a "file" whose reads fail like a broken disk.
    const mem = join(work, 'mem.json');
    await symlink('/proc/self/mem', mem);
    expect(await refusal(readRegularFile(mem, { what: 'graph file' }))).toBe(
      `${mem} is a file of the process table /proc, not a graph file on disk.`,
    );
  });

  it('reads exactly the size declared, and says how a file differs from it', async () => {
    const file = join(work, 'weights.bin');
    await writeFile(file, new Uint8Array(10).fill(7));
    const declared = (bytes: number) => ({ bytes, declaredBy: 'model.json' });
    expect([
      ...(await readRegularFile(file, { what: 'weights file', size: declared(10) })),
    ]).toEqual(new Array(10).fill(7));
    expect(await refusal(readRegularFile(file, { what: 'weights file', size: declared(12) }))).toBe(
      `${file} is 10 bytes, but model.json declares 12: the file is cut short.`,
    );
    expect(await refusal(readRegularFile(file, { what: 'weights file', size: declared(8) }))).toBe(
      `${file} is 10 bytes, but model.json declares 8: the file is longer than declared.`,
    );
    expect(await refusal(readRegularFile(file, { what: 'graph file', maxBytes: 4 }))).toBe(
      `${file} is 10 bytes, too large for a graph file (at most 4 bytes).`,
    );
  });

  it('stops reading a large file when asked to', async () => {
    const file = join(work, 'large.bin');
    await writeFile(file, new Uint8Array(32 * 1024 ** 2));
    const stop = new AbortController();
    stop.abort();
    expect(
      await refusal(readRegularFile(file, { what: 'weights file', signal: stop.signal })),
    ).toBe(`Stopped while reading ${file}.`);
  });

  it('drops a UTF-8 byte-order mark and names UTF-16 text', async () => {
    const bom = join(work, 'bom.json');
    await writeFile(bom, '\uFEFF{"a":1}');
    expect(await readRegularText(bom, { what: 'model file' })).toBe('{"a":1}');
    const wide = join(work, 'wide.json');
    await writeFile(wide, Buffer.from('\uFEFF{"format":"multitask-studio/graph"}', 'utf16le'));
    expect(await refusal(readRegularText(wide, { what: 'graph file' }))).toBe(
      `${wide} is UTF-16 text; save it as UTF-8.`,
    );
    const noMark = join(work, 'no-mark.json');
    await writeFile(noMark, Buffer.from('{"format":"multitask-studio/graph"}', 'utf16le'));
    expect(await refusal(readRegularText(noMark, { what: 'graph file' }))).toBe(
      `${noMark} is UTF-16 text; save it as UTF-8.`,
    );
  });
});
