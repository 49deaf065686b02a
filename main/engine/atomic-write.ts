import { existsSync, readdirSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The file operations an atomic write needs; tests pass one whose rename fails. */
export type AtomicWriteFs = Pick<typeof nodeFs, 'writeFile' | 'rename' | 'unlink'>;

let sequence = 0;

/**
 * Writes beside the target and renames, so a crash never leaves a half-written file. Kept apart
 * from model-io.ts so the desktop shell's main process can save files without loading
 * TensorFlow.js.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  fs: AtomicWriteFs = nodeFs,
): Promise<void> {
  // pid and a counter: two writes of one path at once must not share a temp file.
  const temp = `${path}.${process.pid}-${sequence++}.tmp`;
  try {
    await fs.writeFile(temp, data);
    await fs.rename(temp, path);
  } catch (e) {
    await fs.unlink(temp).catch(() => undefined);
    throw e;
  }
}

/** The file operations replacing a folder needs; tests pass ones that fail at a chosen step. */
export type FolderSwapFs = Pick<typeof nodeFs, 'mkdir' | 'rename' | 'rm' | 'readdir'>;

/** A replacement being written is `<name>.tmp-…`; the folder it replaces waits as `<name>.old-…`. */
const TEMP_MARK = '.tmp-';
const ASIDE_MARK = '.old-';

/**
 * Replaces a folder as a whole: `write` fills a new folder beside it, which then takes the old
 * one's place, so a reader or a crash sees either the old set of files or the new one, never a
 * mix. A rename cannot replace a non-empty folder, so the old one is first renamed aside: a crash
 * between the two renames leaves only the aside folder, which readableFolder reads and
 * settleFolder puts back.
 */
export async function replaceFolder(
  dir: string,
  write: (temp: string) => Promise<void>,
  fs: FolderSwapFs = nodeFs,
): Promise<void> {
  const id = `${process.pid}-${sequence++}`;
  const temp = `${dir}${TEMP_MARK}${id}`;
  const aside = `${dir}${ASIDE_MARK}${id}`;
  try {
    // Not recursive: a run folder deleted meanwhile must not be made again, half empty.
    await fs.mkdir(temp);
    await write(temp);
    const hadOld = await fs.rename(dir, aside).then(
      () => true,
      (e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
      },
    );
    try {
      await fs.rename(temp, dir);
    } catch (e) {
      if (hadOld) await fs.rename(aside, dir).catch(() => undefined);
      throw e;
    }
    if (hadOld) await fs.rm(aside, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

/** The folders replaceFolder left beside `dir` when it was interrupted. */
function leftovers(dir: string, names: readonly string[]): { temps: string[]; asides: string[] } {
  const base = basename(dir);
  const full = (name: string) => join(dirname(dir), name);
  return {
    temps: names.filter((n) => n.startsWith(`${base}${TEMP_MARK}`)).map(full),
    asides: names.filter((n) => n.startsWith(`${base}${ASIDE_MARK}`)).map(full),
  };
}

/**
 * Where a folder that replaceFolder writes can be read now: the folder itself, or, when a replace
 * was cut off between its two renames, the complete old one waiting aside. Reading changes nothing,
 * so it is safe while a run is writing.
 */
export function readableFolder(dir: string): string {
  if (existsSync(dir)) return dir;
  let names: string[];
  try {
    names = readdirSync(dirname(dir));
  } catch {
    return dir;
  }
  return leftovers(dir, names).asides[0] ?? dir;
}

/**
 * Tidies what an interrupted replaceFolder left: a half-written new folder is removed, and an old
 * folder left aside is put back where the new one did not arrive, or removed where it did. Only
 * the one process that writes the folder may call this (a run takes its lock first).
 */
export async function settleFolder(dir: string, fs: FolderSwapFs = nodeFs): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dirname(dir));
  } catch {
    return;
  }
  const { temps, asides } = leftovers(dir, names);
  for (const temp of temps) await fs.rm(temp, { recursive: true, force: true });
  for (const aside of asides) {
    const restored = await fs.rename(aside, dir).then(
      () => true,
      () => false,
    );
    if (!restored) await fs.rm(aside, { recursive: true, force: true });
  }
}
