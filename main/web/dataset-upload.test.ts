import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { strToU8, Zip, ZipDeflate, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  datasetPathOf,
  entrySegments,
  entryWriteError,
  receiveDatasetZip,
  slugOf,
  uploadFolderName,
  UPLOAD_LIMITS,
} from './dataset-upload.ts';
import { HttpError } from './http-util.ts';

/** A request whose body arrives in small chunks, as a socket gives it. */
function requestOf(body: Uint8Array, headers: Record<string, string> = {}): IncomingMessage {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += 1000) chunks.push(Buffer.from(body.subarray(i, i + 1000)));
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

/** A request that says its body's length up front, as browsers do. */
const declaringLength = (body: Uint8Array) =>
  requestOf(body, { 'content-length': String(body.length) });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mts-upload-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('names', () => {
  it('makes a folder name from the file name, the time and a random part', () => {
    expect(slugOf('Pets photos (2).ZIP')).toBe('pets-photos-2');
    expect(slugOf('C:\\data\\../Å.zip')).toBe('dataset');
    expect(uploadFolderName('shapes.zip', new Date('2025-03-04T05:06:07.890Z'), 'ab12')).toBe(
      'shapes-20250304-050607-ab12',
    );
  });

  it('refuses entries that would land outside their folder', () => {
    expect(entrySegments('data/img/a.png')).toEqual(['data', 'img', 'a.png']);
    expect(entrySegments('./data//a.png')).toEqual(['data', 'a.png']);
    for (const name of [
      '../evil.txt',
      'a/../../evil.txt',
      '/etc/passwd',
      'C:/x.txt',
      'a\\..\\..\\x',
    ]) {
      expect(entrySegments(name)).toMatchObject({ refused: expect.stringContaining(name) });
    }
  });

  it("answers the zip's one CSV or JSON file, else its one top folder, else the folder", () => {
    expect(
      datasetPathOf('/d', [
        ['set', 'labels.csv'],
        ['set', 'images', 'a.png'],
      ]),
    ).toBe(join('/d', 'set', 'labels.csv'));
    expect(
      datasetPathOf('/d', [
        ['set', 'images', 'a.png'],
        ['set', 'labels', 'a.txt'],
      ]),
    ).toBe(join('/d', 'set'));
    expect(datasetPathOf('/d', [['a.png'], ['b', 'c.png']])).toBe('/d');
    expect(datasetPathOf('/d', [['train.csv'], ['test.csv']])).toBe('/d');
  });
});

describe('receiveDatasetZip', () => {
  const zip = (files: Record<string, string>) =>
    zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));

  it('unpacks every entry into a new folder and answers the dataset path', async () => {
    const body = zip({
      'shapes/labels.csv': 'filename,class\nimages/a.png,cat\n',
      'shapes/images/a.png': 'x'.repeat(5000),
      '__MACOSX/shapes/._labels.csv': 'junk',
    });
    const { path } = await receiveDatasetZip(requestOf(body), dir, 'Shapes.zip');
    expect(path).toMatch(/shapes-\d{8}-\d{6}-[0-9a-f]{4}[\\/]shapes[\\/]labels\.csv$/);
    expect(await readFile(path, 'utf8')).toContain('images/a.png,cat');
    const [folder] = await readdir(dir);
    expect(await readdir(join(dir, folder!))).toEqual(['shapes']);
  });

  it.each(['../evil.txt', '/tmp/evil.txt', 'ok/../../evil.txt'])(
    'refuses a zip with the entry %s and keeps nothing',
    async (name) => {
      const body = zip({ 'ok.txt': 'fine', [name]: 'evil' });
      const error = await receiveDatasetZip(requestOf(body), join(dir, 'datasets'), 'x.zip').catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(400);
      expect((error as Error).message).toContain('was refused and nothing was kept');
      expect(await readdir(join(dir, 'datasets'))).toEqual([]);
      expect(await readdir(dir)).toEqual(['datasets']);
    },
  );

  it('refuses what is not a zip, or is cut short', async () => {
    await expect(
      receiveDatasetZip(requestOf(strToU8('name,class\n')), dir, 'labels.csv'),
    ).rejects.toThrow("'labels.csv' is not a zip file; upload the dataset as a .zip.");
    const noise = Array.from({ length: 20_000 }, (_, i) =>
      String.fromCharCode(33 + ((i * 7919) % 90)),
    );
    const whole = zip({ 'a.txt': noise.join('') });
    await expect(
      receiveDatasetZip(requestOf(whole.subarray(0, whole.length / 2)), dir, 'cut.zip'),
    ).rejects.toThrow("'cut.zip' ends before its last entry does; is the zip complete?");
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a zip larger than the limit, or one that unpacks to more', async () => {
    const body = zip({ 'a.txt': 'z'.repeat(100_000) });
    const small = { ...UPLOAD_LIMITS, maxUploadBytes: 100 };
    await expect(
      receiveDatasetZip(declaringLength(body), dir, 'a.zip', small),
    ).rejects.toMatchObject({ status: 413 });
    await expect(receiveDatasetZip(requestOf(body), dir, 'a.zip', small)).rejects.toMatchObject({
      status: 413,
    });
    const bomb = { ...UPLOAD_LIMITS, maxUnpackedBytes: 50_000 };
    await expect(receiveDatasetZip(requestOf(body), dir, 'a.zip', bomb)).rejects.toThrow(
      /unpacks to more than/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  /** A zip of entries in this order, names repeated as given (an object cannot repeat a key). */
  function zipOfEntries(entries: readonly (readonly [string, string])[]): Uint8Array {
    const parts: Uint8Array[] = [];
    const archive = new Zip((error, chunk) => {
      if (error) throw error;
      parts.push(chunk);
    });
    for (const [name, text] of entries) {
      const entry = new ZipDeflate(name);
      archive.add(entry);
      entry.push(strToU8(text), true);
    }
    archive.end();
    return Buffer.concat(parts);
  }

  const refusal = (entries: readonly (readonly [string, string])[]) =>
    receiveDatasetZip(requestOf(zipOfEntries(entries)), dir, 'x.zip').then(
      () => 'unpacked',
      (e: unknown) => `${(e as HttpError).status} ${(e as Error).message}`,
    );

  it('refuses an entry name given twice instead of streaming both into one file', async () => {
    await expect(
      refusal([
        ['d/a.png', 'first'],
        ['d/b.png', 'other'],
        ['d/a.png', 'second'],
      ]),
    ).resolves.toBe(
      "400 The zip holds the entry 'd/a.png' twice; the upload was refused and nothing was kept.",
    );
    await expect(
      refusal([
        ['d/a.png', 'first'],
        ['d\\a.png', 'second'],
      ]),
    ).resolves.toBe(
      "400 The zip holds the entries 'd/a.png' and 'd\\a.png', which are one file here; the upload was refused and nothing was kept.",
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a path that is a file in one entry and a folder in another, either way round', async () => {
    await expect(
      refusal([
        ['d/a', 'file'],
        ['d/a/b', 'inside'],
      ]),
    ).resolves.toBe(
      "400 The zip holds the entry 'd/a/b' inside 'd/a', which the entry 'd/a' makes a file; the upload was refused and nothing was kept.",
    );
    await expect(
      refusal([
        ['d/a/b', 'inside'],
        ['d/a', 'file'],
      ]),
    ).resolves.toBe(
      "400 The zip holds the entry 'd/a' as a file, but the entry 'd/a/b' needs it to be a folder; the upload was refused and nothing was kept.",
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a name longer than a file system takes, with a sentence', async () => {
    const long = `${'n'.repeat(300)}.png`;
    await expect(refusal([[`d/${long}`, 'x']])).resolves.toBe(
      `400 The zip holds the entry 'd/${'n'.repeat(38)}…${'n'.repeat(26)}.png', whose name '${'n'.repeat(40)}…${'n'.repeat(26)}.png' is 304 bytes long, more than the 255 a file name may have; the upload was refused and nothing was kept.`,
    );
    const deep = Array.from({ length: 20 }, () => 'f'.repeat(250)).join('/');
    await expect(refusal([[`${deep}/a.png`, 'x']])).resolves.toMatch(
      /^400 The zip holds the entry 'f+…f+\/a\.png', whose path in the dataset folder would be \d+ bytes long, more than the \d+ this system takes; the upload was refused and nothing was kept\.$/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it("words the disk's own failures while writing an entry", () => {
    const system = (code: string) =>
      Object.assign(new Error(`${code}: raw, open '/x'`), { code, syscall: 'open' });
    expect(entryWriteError('d/a.png', system('ENOSPC'))).toMatchObject({
      status: 507,
      message:
        "The disk holding the zip entry 'd/a.png' is full; free some space and try again. The upload was refused and nothing was kept.",
    });
    expect(entryWriteError('d/a.png', system('EISDIR'))).toMatchObject({
      status: 400,
      message:
        "The zip entry 'd/a.png' is a folder, not a file. The upload was refused and nothing was kept.",
    });
  });

  describe('zip bombs and full disks', () => {
    /** 5 MB of one letter: deflate packs it about a thousandfold. */
    const bombZip = () => zip({ 'bomb.txt': 'z'.repeat(5_000_000) });
    const strict = { ...UPLOAD_LIMITS, ratioSlackBytes: 1000 };
    /** The first entry's header claims it unpacks to `size` bytes. */
    const declare = (body: Uint8Array, size: number) => {
      const copy = body.slice();
      new DataView(copy.buffer).setUint32(22, size, true);
      return copy;
    };

    it('refuses an entry whose declared size is a hundredfold its packed size, writing nothing', async () => {
      await expect(receiveDatasetZip(requestOf(bombZip()), dir, 'b.zip', strict)).rejects.toThrow(
        "The zip entry 'bomb.txt' unpacks to more than 100 times its packed size, as a zip bomb does; the upload was refused and nothing was kept.",
      );
      expect(await readdir(dir)).toEqual([]);
    });

    it('counts the bytes as they stream: a header that hides the size is caught', async () => {
      await expect(
        receiveDatasetZip(requestOf(declare(bombZip(), 0)), dir, 'b.zip', strict),
      ).rejects.toThrow('The zip unpacks to more than 100 times its packed size');
      await expect(
        receiveDatasetZip(requestOf(declare(bombZip(), 1000)), dir, 'b.zip'),
      ).rejects.toThrow(
        "The zip entry 'bomb.txt' unpacks to more than the 1000 bytes its header declares",
      );
      expect(await readdir(dir)).toEqual([]);
    });

    it('checks the free disk space first, and unpacks no more than the disk can take', async () => {
      const body = zip({ 'a.txt': 'x'.repeat(100_000) });
      const full = { ...UPLOAD_LIMITS, diskFree: async () => 512 * 1024 ** 2 };
      await expect(
        receiveDatasetZip(declaringLength(body), dir, 'a.zip', full),
      ).rejects.toMatchObject({
        status: 507,
        message: expect.stringMatching(/^The disk holding .* has 512 MiB free, too little/),
      });
      const tight = { ...UPLOAD_LIMITS, diskFree: async () => 1024 ** 3 + 50_000 };
      await expect(receiveDatasetZip(requestOf(body), dir, 'a.zip', tight)).rejects.toThrow(
        /^The zip unpacks to more than the 48\.8 KiB the disk holding .* can take/,
      );
      expect(await readdir(dir)).toEqual([]);
    });
  });
});
