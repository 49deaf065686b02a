import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { formatBytes, thousands } from '../../core/format.ts';
import { StudioError } from '../../core/problems.ts';
import { decodeTextFile } from '../../core/text-bytes.ts';
import { fileErrorSentence, isFileError, kindOfPath } from './file-errors.ts';
import { systemFileSystemOf } from './system-folders.ts';

/**
 * The one way the studio reads a file whose path a user gave (a graph, a model.json and its
 * weights, a run's checkpoint): only a plain file on disk, of a size known before reading, read
 * with that bound. A pipe would block the read (and Node's exit) for good, /dev/zero never ends,
 * and /proc's files answer with errors that look like a failing disk.
 */

/** Far above the largest graph (5,000 nodes, 20,000 links) or model.json the studio writes. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 ** 2;

/** A stop request is looked at between reads of this size. */
const CHUNK_BYTES = 4 * 1024 ** 2;

/** Opening a pipe without O_NONBLOCK waits for a writer; Windows has neither flag (nor pipes). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

export interface ReadLimits {
  /** What the file should be, for the sentences: "graph file", "weights file". */
  readonly what: string;
  /** The largest size accepted. */
  readonly maxBytes?: number;
  /** The size the file must have, and what declares it ("the manifest in model.json"). */
  readonly size?: { readonly bytes: number; readonly declaredBy: string };
  /** A stop request: reading ends between chunks. */
  readonly signal?: AbortSignal;
}

const refuse = (message: string) => new StudioError('E_FILE', message);

/** A file-system error as its sentence, keeping its errno code (isMissingFile reads it). */
const readError = (error: unknown, path: string): unknown =>
  isFileError(error)
    ? Object.assign(refuse(fileErrorSentence(error, path, 'read')), { errno: error.code })
    : error;

/** Whether `error` says there is no such file, from Node or from the readers here. */
export const isMissingFile = (error: unknown): boolean =>
  (error as { errno?: unknown })?.errno === 'ENOENT' ||
  (error as NodeJS.ErrnoException)?.code === 'ENOENT';

function checkKind(stats: Stats, path: string, what: string): void {
  if (!stats.isFile()) throw refuse(`${path} is ${kindOfPath(stats)}, not a ${what}.`);
}

function checkSize(size: number, path: string, limits: ReadLimits): void {
  if (limits.maxBytes !== undefined && size > limits.maxBytes) {
    throw refuse(
      `${path} is ${formatBytes(size)}, too large for a ${limits.what} (at most ${formatBytes(limits.maxBytes)}).`,
    );
  }
  if (limits.size && size !== limits.size.bytes) {
    const { bytes, declaredBy } = limits.size;
    throw refuse(
      `${path} is ${thousands(size)} bytes, but ${declaredBy} declares ${thousands(bytes)}: the file is ${size < bytes ? 'cut short' : 'longer than declared'}.`,
    );
  }
}

/**
 * Checks that `path` is a plain file on disk (following links) and answers its stats; anything
 * else is a sentence naming what it is. Opens nothing.
 */
export async function checkRegularFile(path: string, what: string): Promise<Stats> {
  const stats = await stat(path).catch((e: unknown) => {
    throw readError(e, path);
  });
  checkKind(stats, path, what);
  const system = await systemFileSystemOf(path);
  if (system) throw refuse(`${path} is a file of ${system}, not a ${what} on disk.`);
  return stats;
}

/** The bytes of the plain file at `path`, checked and bounded by `limits`. */
export async function readRegularFile(path: string, limits: ReadLimits): Promise<Buffer> {
  checkSize((await checkRegularFile(path, limits.what)).size, path, limits);
  const handle = await open(path, OPEN_FLAGS).catch((e: unknown) => {
    throw readError(e, path);
  });
  try {
    // Checked again on what was opened: the path may have been swapped since.
    const stats = await handle.stat();
    checkKind(stats, path, limits.what);
    checkSize(stats.size, path, limits);
    const bytes = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      if (limits.signal?.aborted)
        throw new StudioError('E_STOPPED', `Stopped while reading ${path}.`);
      const length = Math.min(CHUNK_BYTES, bytes.length - filled);
      const { bytesRead } = await handle.read(bytes, filled, length, filled).catch((e: unknown) => {
        throw readError(e, path);
      });
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled < bytes.length) {
      throw refuse(
        `${path} became shorter while it was read (${thousands(filled)} of ${thousands(bytes.length)} bytes); try again.`,
      );
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** As readRegularFile, or undefined when there is no file at `path`. */
export async function readRegularFileIfAny(
  path: string,
  limits: ReadLimits,
): Promise<Buffer | undefined> {
  return readRegularFile(path, limits).catch((e: unknown) => {
    if (isMissingFile(e)) return undefined;
    throw e;
  });
}

/** The UTF-8 text of the plain file at `path` (a byte-order mark dropped; UTF-16 refused). */
export async function readRegularText(path: string, limits: ReadLimits): Promise<string> {
  return decodeTextFile(
    await readRegularFile(path, { maxBytes: MAX_DOCUMENT_BYTES, ...limits }),
    path,
  );
}
