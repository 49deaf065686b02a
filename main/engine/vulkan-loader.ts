import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where Linux's dynamic loader looks for libvulkan.so.1 besides LD_LIBRARY_PATH and its cache.
 * Dawn prints a warning of its own on every start when the loader is missing, so the engine
 * asks first and only loads Dawn where a Vulkan loader can be found.
 */
const SYSTEM_DIRS = [
  '/lib',
  '/lib64',
  '/usr/lib',
  '/usr/lib64',
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
];
const LIBRARY = 'libvulkan.so.1';
const LOADER_CACHE = '/etc/ld.so.cache';

export const NO_VULKAN_LOADER =
  'no Vulkan loader (libvulkan.so.1) on this machine, so Dawn cannot reach a GPU (install libvulkan1 and the GPU vendor’s Vulkan driver: Mesa’s RADV/ANV or NVIDIA’s)';

export interface LoaderProbe {
  readonly exists: (path: string) => boolean;
  readonly read: (path: string) => Buffer;
}

const realProbe: LoaderProbe = { exists: existsSync, read: (path) => readFileSync(path) };

/**
 * True only when Linux's loader surely cannot find libvulkan.so.1: not in LD_LIBRARY_PATH, not in
 * the usual folders, and a loader cache exists that does not name it. Anything uncertain (no
 * cache, another platform) answers false, and Dawn itself decides.
 */
export function vulkanLoaderMissing(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  probe: LoaderProbe = realProbe,
): boolean {
  if (platform !== 'linux') return false;
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...SYSTEM_DIRS];
  if (dirs.some((dir) => probe.exists(join(dir, LIBRARY)))) return false;
  if (!probe.exists(LOADER_CACHE)) return false;
  try {
    return !probe.read(LOADER_CACHE).includes(LIBRARY);
  } catch {
    return false;
  }
}
