/**
 * A dataset uploaded from the browser as a zip: streamed from the request straight into its own
 * folder on the host's machine (never held whole in memory), every entry's name checked so that
 * nothing lands outside that folder.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join, resolve, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { formatBytes } from '../../core/format.ts';
import { fileErrorSentence, isFileError } from '../fs/file-errors.ts';
import { HttpError } from './http-util.ts';
import { createEntryPaths, shownEntryName } from './zip-entry-paths.ts';

export interface UploadLimits {
  /** Bytes of the zip itself. */
  readonly maxUploadBytes: number;
  /** Bytes of every entry unpacked together: a small zip may expand enormously. */
  readonly maxUnpackedBytes: number;
  readonly maxEntries: number;
  /**
   * Most bytes unpacked per byte received (declared per entry, and counted as they stream).
   * Images barely compress and CSV or JSON text about tenfold; a zip bomb does a thousandfold.
   */
  readonly maxRatio: number;
  /** Unpacked bytes allowed beyond the ratio, so a small zip of text is never refused. */
  readonly ratioSlackBytes: number;
  /** Disk space to leave free for the runs and the system. */
  readonly reserveBytes: number;
  /** Free bytes on the disk holding a folder (a test replaces it). */
  readonly diskFree: (dir: string) => Promise<number>;
}

/** Free bytes for this user on the disk holding `dir` (or its nearest existing parent). */
async function diskFree(dir: string): Promise<number> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      const fs = await statfs(at);
      return fs.bavail * fs.bsize;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) throw e;
    }
  }
}

export const UPLOAD_LIMITS: UploadLimits = {
  maxUploadBytes: 2 * 1024 ** 3,
  maxUnpackedBytes: 8 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxRatio: 100,
  ratioSlackBytes: 64 * 1024 ** 2,
  reserveBytes: 1024 ** 3,
  diskFree,
};

const INSTEAD = "give the dataset's path on this machine instead of uploading it";

/** Archivers' and file managers' additions that are never part of a dataset. */
const isJunk = (segments: readonly string[]) =>
  segments.includes('__MACOSX') || segments[segments.length - 1] === '.DS_Store';

/** "Pets photos (2).zip" → "pets-photos-2"; a name with nothing usable → "dataset". */
export function slugOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const slug = base
    .replace(/\.zip$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'dataset';
}

/** `<slug>-<UTC date and time>-<4 hex>`: sorts by upload time, and two uploads never collide. */
export function uploadFolderName(fileName: string, now: Date, random: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${slugOf(fileName)}-${stamp}-${random}`;
}

/**
 * The path segments of a zip entry, or a sentence when the entry would land outside the folder it
 * is unpacked into (an absolute path, a drive letter, a '..'): the "zip slip".
 */
export function entrySegments(name: string): string[] | { refused: string } {
  const refuse = (why: string) => ({
    refused: `The zip holds the entry '${name}', ${why}; the upload was refused and nothing was kept.`,
  });
  if (name.includes('\0')) return refuse('whose name has a NUL character');
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) {
    return refuse('an absolute path that would be written outside the dataset folder');
  }
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    return refuse("whose '..' would be written outside the dataset folder");
  }
  return segments;
}

const INDEX_FILE = /\.(csv|json)$/i;

/**
 * What the upload answers with: the one CSV or JSON file in the zip when there is exactly one
 * (a CSV index or COCO annotations), else the zip's single top folder, else the folder it was
 * unpacked into (YOLO, Pascal VOC and image folders are read from a folder).
 */
export function datasetPathOf(dest: string, files: readonly (readonly string[])[]): string {
  const indexes = files.filter((segments) => INDEX_FILE.test(segments[segments.length - 1] ?? ''));
  if (indexes.length === 1) return join(dest, ...indexes[0]!);
  const tops = new Set(files.map((segments) => (segments.length > 1 ? `${segments[0]}/` : '')));
  const [only] = [...tops];
  return tops.size === 1 && only ? join(dest, only.slice(0, -1)) : dest;
}

/**
 * A file-system failure while writing an entry, as a sentence naming it: the checks before
 * writing catch the names a zip can get wrong, so what is left is mostly the disk's (full,
 * read-only) or a path longer than the system takes.
 */
export function entryWriteError(name: string, error: unknown): Error {
  if (!isFileError(error)) return error as Error;
  const sentence = fileErrorSentence(error, `the zip entry '${shownEntryName(name)}'`, 'write');
  const status = error.code === 'ENOSPC' || error.code === 'EDQUOT' ? 507 : 400;
  return new HttpError(
    status,
    `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)} The upload was refused and nothing was kept.`,
  );
}

interface EntryWriter {
  readonly stream: PassThrough;
  readonly done: Promise<void>;
}

/**
 * Unpacks the zip in the request body into a new folder under `datasetsDir` and answers the
 * dataset's path there. Entries are written as they arrive, the request is read no faster than
 * the disk takes them, and anything wrong (too large, a zip slip, not a zip) removes the folder.
 */
export async function receiveDatasetZip(
  req: IncomingMessage,
  datasetsDir: string,
  fileName: string,
  limits: UploadLimits = UPLOAD_LIMITS,
): Promise<{ path: string }> {
  const tooLarge = () =>
    new HttpError(413, `The zip is larger than ${formatBytes(limits.maxUploadBytes)}; ${INSTEAD}.`);
  const declaredLength = Number(req.headers['content-length'] ?? 0);
  if (declaredLength > limits.maxUploadBytes) {
    req.resume();
    throw tooLarge();
  }
  const root = resolve(datasetsDir);
  // Before a byte is written: the disk must hold what the upload may unpack to, less a reserve.
  const room = (await limits.diskFree(root)) - limits.reserveBytes;
  if (room <= declaredLength) {
    req.resume();
    throw new HttpError(
      507,
      `The disk holding ${root} has ${formatBytes(Math.max(0, room + limits.reserveBytes))} free, too little to unpack this upload and keep ${formatBytes(limits.reserveBytes)} for the runs; free some space or ${INSTEAD}.`,
    );
  }
  const budget = Math.min(limits.maxUnpackedBytes, room);
  const overBudget = () =>
    new HttpError(
      413,
      budget < limits.maxUnpackedBytes
        ? `The zip unpacks to more than the ${formatBytes(budget)} the disk holding ${root} can take (keeping ${formatBytes(limits.reserveBytes)} free); the upload was refused and nothing was kept.`
        : `The zip unpacks to more than ${formatBytes(budget)}; ${INSTEAD}.`,
    );
  const bomb = (what: string) =>
    new HttpError(
      413,
      `${what} unpacks to more than ${limits.maxRatio} times its packed size, as a zip bomb does; the upload was refused and nothing was kept.`,
    );
  const dest = join(root, uploadFolderName(fileName, new Date(), randomBytes(2).toString('hex')));
  await mkdir(dest, { recursive: true });

  const files: string[][] = [];
  const paths = createEntryPaths(dest);
  const writers: EntryWriter[] = [];
  let failure: Error | undefined;
  let blocked: Promise<unknown> | undefined;
  let unpacked = 0;
  let received = 0;
  let entries = 0;
  const fail = (error: Error) => {
    failure ??= error;
  };

  const write = (file: UnzipFile, segments: readonly string[]) => {
    const target = join(dest, ...segments);
    // Checked once more on the joined path, whatever the segments looked like.
    if (!target.startsWith(dest + sep)) {
      fail(new HttpError(400, `The zip entry '${file.name}' points outside its folder.`));
      return;
    }
    const stream = new PassThrough();
    // Destroyed on a failure before the pipeline below listens; the failure is reported once.
    stream.on('error', () => undefined);
    const done = mkdir(dirname(target), { recursive: true })
      // A failed upload may have destroyed the entry before its folder existed.
      .then(() => (stream.destroyed ? undefined : pipeline(stream, createWriteStream(target))))
      .catch((e: unknown) => fail(entryWriteError(file.name, e)));
    writers.push({ stream, done });
    let entryBytes = 0;
    file.ondata = (error, data, final) => {
      if (failure) return;
      if (error) {
        fail(
          new HttpError(400, `The zip entry '${file.name}' cannot be unpacked: ${error.message}.`),
        );
        return;
      }
      unpacked += data.length;
      entryBytes += data.length;
      // The header's size is a claim; the bytes are counted, and a lie ends the upload.
      if (file.originalSize && entryBytes > file.originalSize) {
        fail(
          new HttpError(
            400,
            `The zip entry '${file.name}' unpacks to more than the ${formatBytes(file.originalSize)} its header declares; the upload was refused and nothing was kept.`,
          ),
        );
        return;
      }
      if (unpacked > budget) return fail(overBudget());
      if (unpacked > limits.maxRatio * received + limits.ratioSlackBytes) {
        return fail(bomb('The zip'));
      }
      const room = data.length === 0 || stream.write(data);
      // An ended stream emits no 'drain': only wait for one that goes on.
      if (final) stream.end();
      else if (!room) blocked = once(stream, 'drain');
    };
    file.start();
  };

  const unzip = new Unzip((file) => {
    if (failure) return;
    entries += 1;
    if (entries > limits.maxEntries) {
      fail(new HttpError(413, `The zip holds more than ${limits.maxEntries} entries.`));
      return;
    }
    const segments = entrySegments(file.name);
    if (!Array.isArray(segments)) {
      fail(new HttpError(400, segments.refused));
      return;
    }
    // The sizes its header declares, checked before a byte of it is written.
    const declared = file.originalSize ?? 0;
    if (unpacked + declared > budget) return fail(overBudget());
    if (declared > limits.maxRatio * (file.size ?? 0) + limits.ratioSlackBytes) {
      return fail(bomb(`The zip entry '${file.name}'`));
    }
    const folder = file.name.endsWith('/') || file.name.endsWith('\\');
    if (segments.length === 0 || folder || isJunk(segments)) {
      // Read past it; nothing to write.
      file.ondata = () => undefined;
      file.start();
      return;
    }
    const refused = paths.claim(file.name, segments);
    if (refused !== undefined) {
      fail(new HttpError(400, refused));
      return;
    }
    files.push(segments);
    write(file, segments);
  });
  unzip.register(UnzipInflate);

  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (received === 0 && chunk.length >= 2 && (chunk[0] !== 0x50 || chunk[1] !== 0x4b)) {
        throw new HttpError(400, `'${fileName}' is not a zip file; upload the dataset as a .zip.`);
      }
      received += chunk.length;
      if (received > limits.maxUploadBytes) throw tooLarge();
      unzip.push(chunk);
      if (failure) throw failure;
      if (blocked) {
        await blocked;
        blocked = undefined;
      }
    }
    try {
      unzip.push(new Uint8Array(0), true);
    } catch {
      throw new HttpError(
        400,
        `'${fileName}' ends before its last entry does; is the zip complete?`,
      );
    }
    await Promise.all(writers.map((w) => w.done));
    if (failure) throw failure;
    if (files.length === 0) {
      throw new HttpError(
        400,
        `'${fileName}' holds no files; zip the dataset's folder and upload that.`,
      );
    }
    return { path: datasetPathOf(dest, files) };
  } catch (error) {
    req.resume();
    for (const writer of writers) writer.stream.destroy(new Error('The upload was refused.'));
    await Promise.allSettled(writers.map((w) => w.done));
    await rm(dest, { recursive: true, force: true });
    if (error instanceof HttpError) throw error;
    // fflate's own complaints ("invalid zip data") are about the file, not the server.
    throw new HttpError(400, `'${fileName}' cannot be unpacked: ${(error as Error).message}.`);
  }
}
