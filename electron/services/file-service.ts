import * as nodeFs from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { OpenedFile, RecentFile } from '../../core/contract/desktop.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import { StudioError } from '../../core/problems.ts';
import { writeFileAtomic } from '../../main/engine/atomic-write.ts';

/** The file operations the service uses; tests pass one whose rename fails like a crash. */
export type FileServiceFs = Pick<
  typeof nodeFs,
  'readFile' | 'writeFile' | 'rename' | 'unlink' | 'stat' | 'mkdir'
>;

export const MAX_GRAPH_FILE_BYTES = 50_000_000;
export const MAX_RECENT_FILES = 10;
export const RECENT_FILE = 'recent.json';
export const AUTOSAVE_DIR = 'autosave';
export const AUTOSAVE_DOCUMENT = 'current.graph.json';
export const AUTOSAVE_META = 'meta.json';

const recentListSchema = z.object({ version: z.literal(1), paths: z.array(z.string()) });
const autosaveMetaSchema = z.object({
  name: z.string(),
  /** The file the unsaved work belongs to; null for a document never saved. */
  path: z.string().nullable(),
  savedAt: z.string(),
});

/** Work the last session autosaved and never cleared: it crashed or was killed. */
export interface Recovery {
  readonly name: string;
  readonly path: string | null;
  readonly savedAt: string;
  readonly text: string;
}

export interface FileService {
  /** Reads and checks a graph file; throws a sentence when it is too large or not a graph. */
  readGraphFile(path: string): Promise<OpenedFile>;
  /** Saves atomically: the old content stays whole until the new one is complete. */
  saveGraphFile(path: string, text: string): Promise<void>;
  addRecent(path: string): Promise<void>;
  /** Most recent first; files that no longer exist are dropped (and forgotten). */
  listRecent(): Promise<RecentFile[]>;
  /** The path of the n-th entry of `listRecent()`, the index the renderer names. */
  recentPath(index: number): Promise<string | undefined>;
  autosave(text: string, name: string, path?: string | null): Promise<void>;
  /** After a clean save or a clean quit: nothing is left to recover. */
  clearAutosave(): Promise<void>;
  /**
   * The work the last session autosaved and never cleared, or null when there is none. Throws a
   * sentence when the autosave is there but damaged (so it can be reported and cleared).
   */
  pendingRecovery(): Promise<Recovery | null>;
}

export interface FileServiceOptions {
  readonly userDataDir: string;
  readonly fs?: FileServiceFs;
}

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOENT';
const damaged = (reason: string) =>
  new StudioError(
    'E_RECOVERY_DAMAGED',
    `The autosaved work cannot be restored: ${reason.replace(/\.$/, '')}.`,
  );
const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

export function createFileService({ userDataDir, fs = nodeFs }: FileServiceOptions): FileService {
  const recentFile = join(userDataDir, RECENT_FILE);
  const autosaveDir = join(userDataDir, AUTOSAVE_DIR);
  const autosaveDocument = join(autosaveDir, AUTOSAVE_DOCUMENT);
  const autosaveMeta = join(autosaveDir, AUTOSAVE_META);

  // Read-modify-write of recent.json and the autosave pair must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task);
    queue = next.catch(() => undefined);
    return next;
  };

  const exists = (path: string) =>
    fs.stat(path).then(
      (s) => s.isFile(),
      () => false,
    );

  async function readRecentPaths(): Promise<string[]> {
    try {
      const parsed = recentListSchema.safeParse(JSON.parse(await fs.readFile(recentFile, 'utf8')));
      return parsed.success ? parsed.data.paths : [];
    } catch {
      // Missing or corrupt: the list starts again rather than blocking the app.
      return [];
    }
  }

  async function writeRecentPaths(paths: readonly string[]): Promise<void> {
    await fs.mkdir(userDataDir, { recursive: true });
    await writeFileAtomic(recentFile, JSON.stringify({ version: 1, paths }, null, 2), fs);
  }

  const listRecent = () =>
    serial(async () => {
      const paths = await readRecentPaths();
      const present: string[] = [];
      for (const path of paths) if (await exists(path)) present.push(path);
      if (present.length !== paths.length) await writeRecentPaths(present);
      return present.map((path) => ({ path, name: basename(path) }));
    });

  return {
    async readGraphFile(path) {
      let size: number;
      try {
        const info = await fs.stat(path);
        if (!info.isFile()) throw new StudioError('E_FILE_READ', `${path} is not a file.`);
        size = info.size;
      } catch (e) {
        if (e instanceof StudioError) throw e;
        throw new StudioError(
          'E_FILE_READ',
          isMissing(e)
            ? `The graph file ${path} does not exist.`
            : `The graph file ${path} cannot be read: ${(e as Error).message}.`,
        );
      }
      if (size > MAX_GRAPH_FILE_BYTES) {
        throw new StudioError(
          'E_FILE_TOO_LARGE',
          `The file ${basename(path)} is ${megabytes(size)}; a graph file is at most ${megabytes(MAX_GRAPH_FILE_BYTES)}.`,
        );
      }
      const text = await fs.readFile(path, 'utf8');
      const loaded = loadGraphDocument(text);
      if (!loaded.ok) throw loaded.error;
      return { path, name: basename(path), text };
    },

    saveGraphFile: (path, text) => writeFileAtomic(path, text, fs),

    addRecent: (path) =>
      serial(async () => {
        const paths = await readRecentPaths();
        await writeRecentPaths(
          [path, ...paths.filter((p) => p !== path)].slice(0, MAX_RECENT_FILES),
        );
      }),

    listRecent,

    async recentPath(index) {
      return (await listRecent())[index]?.path;
    },

    autosave: (text, name, path = null) =>
      serial(async () => {
        await fs.mkdir(autosaveDir, { recursive: true });
        // The document first, its meta last: a meta file means a complete pair.
        await writeFileAtomic(autosaveDocument, text, fs);
        const meta = { name, path, savedAt: new Date().toISOString() };
        await writeFileAtomic(autosaveMeta, JSON.stringify(meta), fs);
      }),

    clearAutosave: () =>
      serial(async () => {
        for (const file of [autosaveMeta, autosaveDocument]) {
          await fs.unlink(file).catch((e: unknown) => {
            if (!isMissing(e)) throw e;
          });
        }
      }),

    pendingRecovery: () =>
      serial(async () => {
        let metaText: string;
        try {
          metaText = await fs.readFile(autosaveMeta, 'utf8');
        } catch (e) {
          // No meta file: nothing was autosaved, or the first write never finished.
          if (isMissing(e)) return null;
          throw damaged(`its description cannot be read: ${(e as Error).message}`);
        }
        let meta: unknown;
        try {
          meta = JSON.parse(metaText);
        } catch {
          throw damaged(`${AUTOSAVE_META} is not JSON`);
        }
        const parsed = autosaveMetaSchema.safeParse(meta);
        if (!parsed.success) throw damaged(`${AUTOSAVE_META} does not describe autosaved work`);
        let text: string;
        try {
          text = await fs.readFile(autosaveDocument, 'utf8');
        } catch (e) {
          throw damaged(
            isMissing(e)
              ? `${AUTOSAVE_DOCUMENT} is missing`
              : `${AUTOSAVE_DOCUMENT} cannot be read: ${(e as Error).message}`,
          );
        }
        // Autosave stores what the editor held, which always loads; anything else is damage.
        const loaded = loadGraphDocument(text);
        if (!loaded.ok) throw damaged(loaded.error.message);
        return { ...parsed.data, text };
      }),
  };
}
