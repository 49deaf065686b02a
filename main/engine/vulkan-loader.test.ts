import { describe, expect, it } from 'vitest';
import { vulkanLoaderMissing, type LoaderProbe } from './vulkan-loader.ts';

const probe = (files: Record<string, string>): LoaderProbe => ({
  exists: (path) => path in files,
  read: (path) => Buffer.from(files[path] ?? ''),
});

describe('looking for the Vulkan loader before starting Dawn', () => {
  it('is missing when neither the folders nor the loader cache have it', () => {
    expect(vulkanLoaderMissing('linux', {}, probe({ '/etc/ld.so.cache': 'libc.so.6' }))).toBe(true);
  });

  it('is found in LD_LIBRARY_PATH, a usual folder or the loader cache', () => {
    const cache = { '/etc/ld.so.cache': 'libc.so.6' };
    expect(
      vulkanLoaderMissing(
        'linux',
        { LD_LIBRARY_PATH: '/opt/gpu:/usr/lib/chromium' },
        probe({ ...cache, '/usr/lib/chromium/libvulkan.so.1': '' }),
      ),
    ).toBe(false);
    expect(
      vulkanLoaderMissing('linux', {}, probe({ ...cache, '/usr/lib64/libvulkan.so.1': '' })),
    ).toBe(false);
    expect(
      vulkanLoaderMissing('linux', {}, probe({ '/etc/ld.so.cache': 'x libvulkan.so.1 y' })),
    ).toBe(false);
  });

  it('leaves the decision to Dawn where it cannot be sure', () => {
    expect(vulkanLoaderMissing('linux', {}, probe({}))).toBe(false);
    expect(vulkanLoaderMissing('darwin', {}, probe({ '/etc/ld.so.cache': '' }))).toBe(false);
    expect(vulkanLoaderMissing('win32', {}, probe({ '/etc/ld.so.cache': '' }))).toBe(false);
  });
});
