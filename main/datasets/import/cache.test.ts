import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createImageCache, imageCacheKey, type CachedImage } from './cache.ts';
import { IDENTITY_TRANSFORM } from './decode.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const image = (fill: number, bytes = 100): CachedImage => ({
  pixels: new Uint8Array(bytes).fill(fill),
  transform: { scaleX: 1, scaleY: 0.5, offsetX: 0, offsetY: fill / 1000 },
});

describe('imageCacheKey', () => {
  it('tells apart sizes and resize modes of the same file', () => {
    const keys = new Set([
      imageCacheKey('a.png', [8, 8, 3], 'letterbox'),
      imageCacheKey('a.png', [8, 8, 1], 'letterbox'),
      imageCacheKey('a.png', [8, 8, 3], 'stretch'),
      imageCacheKey('b.png', [8, 8, 3], 'letterbox'),
    ]);
    expect(keys.size).toBe(4);
  });
});

describe('createImageCache in memory', () => {
  it('returns what was stored and misses what was not', async () => {
    const cache = createImageCache();
    const stored = image(7);
    cache.set('a', stored);
    expect(await cache.get('a')).toBe(stored);
    expect(await cache.get('b')).toBeUndefined();
    expect(cache.stats()).toMatchObject({
      memoryEntries: 1,
      memoryBytes: 100,
      memoryHits: 1,
      misses: 1,
    });
  });

  it('drops the least recently used image past its budget', async () => {
    const cache = createImageCache({ maxBytes: 250 });
    cache.set('a', image(1));
    cache.set('b', image(2));
    await cache.get('a'); // now b is the least recent
    cache.set('c', image(3));
    expect(await cache.get('b')).toBeUndefined();
    expect((await cache.get('a'))?.pixels[0]).toBe(1);
    expect((await cache.get('c'))?.pixels[0]).toBe(3);
    expect(cache.stats()).toMatchObject({ memoryEntries: 2, memoryBytes: 200, diskEntries: 0 });
  });

  it('does not hold an image larger than the whole budget', async () => {
    const cache = createImageCache({ maxBytes: 50 });
    cache.set('big', image(1));
    expect(await cache.get('big')).toBeUndefined();
    expect(cache.stats().memoryBytes).toBe(0);
  });

  it('forgets everything on clear', async () => {
    const cache = createImageCache();
    cache.set('a', image(1));
    await cache.clear();
    expect(await cache.get('a')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ memoryEntries: 0, memoryBytes: 0 });
  });
});

describe('createImageCache spilling to disk', () => {
  it('writes evicted images to the folder and reads back the same bytes and transform', async () => {
    const folder = join(dir, 'spill');
    const cache = createImageCache({ maxBytes: 250, dir: folder });
    for (let k = 0; k < 6; k++) cache.set(`image ${k}`, image(k + 1));
    expect(cache.stats().memoryEntries).toBe(2);
    const readAll = async () => {
      for (let k = 0; k < 6; k++) {
        const back = await cache.get(`image ${k}`);
        expect(back?.pixels).toEqual(image(k + 1).pixels);
        expect(back?.transform).toEqual(image(k + 1).transform);
      }
    };
    // Evicted images are served while their write is under way, and from disk once it lands.
    await readAll();
    await vi.waitFor(() => expect(cache.stats().diskEntries).toBe(4));
    await readAll();
    const stats = cache.stats();
    expect(stats.misses).toBe(0);
    expect(stats.diskHits).toBeGreaterThanOrEqual(4);
    const [spilled] = await readdir(folder);
    expect((await readdir(join(folder, spilled as string))).length).toBeGreaterThanOrEqual(4);

    await cache.clear();
    expect(await readdir(folder)).toEqual([]);
    expect(await cache.get('image 0')).toBeUndefined();
  });

  it('treats a spilled file that vanished as a miss', async () => {
    const folder = join(dir, 'vanish');
    const cache = createImageCache({ maxBytes: 100, dir: folder });
    cache.set('a', { pixels: new Uint8Array(100), transform: IDENTITY_TRANSFORM });
    cache.set('b', image(2));
    // Let the write of 'a' land, then delete the folder behind the cache's back.
    await vi.waitFor(() => expect(cache.stats().diskEntries).toBe(1));
    await rm(folder, { recursive: true, force: true });
    expect(await cache.get('a')).toBeUndefined();
    expect(cache.stats().diskEntries).toBe(0);
    await cache.clear();
  });
});
