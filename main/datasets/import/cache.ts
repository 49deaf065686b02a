/**
 * Decoded, resized images kept for later epochs, so an image is decoded once per run rather than
 * once per epoch. Memory holds the most recently used up to a byte budget; what falls out goes to
 * a folder of raw byte files when one is given (reading 12 KiB back is far cheaper than decoding
 * a photograph), and is forgotten otherwise. The cache lives as long as a run: `clear` deletes
 * the files it wrote.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShape } from '../types.ts';
import type { BoxTransform } from './decode.ts';
import type { ResizeMode } from './types.ts';

export interface CachedImage {
  readonly pixels: Uint8Array;
  readonly transform: BoxTransform;
}

export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

export interface ImageCacheOptions {
  /** Memory budget for pixels; default 512 MiB. */
  readonly maxBytes?: number;
  /** A folder to spill to; without one, images evicted from memory are dropped. */
  readonly dir?: string;
}

export interface ImageCacheStats {
  readonly memoryEntries: number;
  readonly memoryBytes: number;
  readonly diskEntries: number;
  readonly memoryHits: number;
  readonly diskHits: number;
  readonly misses: number;
}

export interface ImageCache {
  get(key: string): Promise<CachedImage | undefined>;
  /** Stores a copy-free reference: the caller must not change `image.pixels` afterwards. */
  set(key: string, image: CachedImage): void;
  stats(): ImageCacheStats;
  /** Forgets everything and deletes the spilled files. */
  clear(): Promise<void>;
}

/** One decoded form of one file: the same file at another size or resize mode is another entry. */
export const imageCacheKey = (fileKey: string, shape: ImageShape, resize: ResizeMode): string =>
  `${resize} ${shape.join('x')} ${fileKey}`;

interface DiskEntry {
  readonly file: string;
  readonly transform: BoxTransform;
}

export function createImageCache(options: ImageCacheOptions = {}): ImageCache {
  const maxBytes = options.maxBytes ?? DEFAULT_CACHE_BYTES;
  // Map iteration follows insertion order; re-inserting on use makes the first key the least recent.
  const memory = new Map<string, CachedImage>();
  const disk = new Map<string, DiskEntry>();
  // Images on their way to disk, still served from memory until the write lands.
  const spilling = new Map<string, CachedImage>();
  const writes = new Set<Promise<void>>();
  let memoryBytes = 0;
  let folder: Promise<string> | undefined;
  let nextFile = 0;
  let generation = 0;
  const counts = { memoryHits: 0, diskHits: 0, misses: 0 };

  const spillFolder = (dir: string) => {
    folder ??= mkdir(dir, { recursive: true }).then(() => mkdtemp(join(dir, 'images-')));
    return folder;
  };

  const spill = (key: string, image: CachedImage) => {
    const dir = options.dir;
    if (dir === undefined || disk.has(key) || spilling.has(key)) return;
    spilling.set(key, image);
    const started = generation;
    const write = (async () => {
      try {
        const file = join(await spillFolder(dir), `${nextFile++}.raw`);
        await writeFile(file, image.pixels);
        if (started === generation) disk.set(key, { file, transform: image.transform });
      } catch {
        // A full or read-only disk only costs a decode later.
      } finally {
        spilling.delete(key);
      }
    })();
    writes.add(write);
    void write.finally(() => writes.delete(write));
  };

  const remember = (key: string, image: CachedImage) => {
    const previous = memory.get(key);
    if (previous) {
      memory.delete(key);
      memoryBytes -= previous.pixels.byteLength;
    }
    if (image.pixels.byteLength > maxBytes) {
      spill(key, image);
      return;
    }
    memory.set(key, image);
    memoryBytes += image.pixels.byteLength;
    for (const [oldKey, old] of memory) {
      if (memoryBytes <= maxBytes) break;
      memory.delete(oldKey);
      memoryBytes -= old.pixels.byteLength;
      spill(oldKey, old);
    }
  };

  return {
    async get(key) {
      const inMemory = memory.get(key) ?? spilling.get(key);
      if (inMemory) {
        counts.memoryHits++;
        if (memory.delete(key)) memory.set(key, inMemory);
        return inMemory;
      }
      const entry = disk.get(key);
      if (entry) {
        try {
          const bytes = await readFile(entry.file);
          const image = { pixels: new Uint8Array(bytes), transform: entry.transform };
          counts.diskHits++;
          remember(key, image);
          return image;
        } catch {
          disk.delete(key);
        }
      }
      counts.misses++;
      return undefined;
    },
    set(key, image) {
      remember(key, image);
    },
    stats: () => ({
      memoryEntries: memory.size,
      memoryBytes,
      diskEntries: disk.size,
      ...counts,
    }),
    async clear() {
      generation++;
      memory.clear();
      spilling.clear();
      memoryBytes = 0;
      await Promise.all(writes);
      disk.clear();
      const written = await folder?.catch(() => undefined);
      folder = undefined;
      if (written) await rm(written, { recursive: true, force: true });
    },
  };
}
