import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Native packages load their addons and shared libraries from disk, never from inside the asar
 * archive: electron-builder.yml must unpack each one the app depends on.
 */
const config = parse(
  await readFile(new URL('../electron-builder.yml', import.meta.url), 'utf8'),
) as { asarUnpack?: string[]; electronFuses?: Record<string, boolean> };
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

/** The native packages, and the scope of the prebuilt binaries sharp loads (libvips). */
const NATIVE = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'sharp', 'webgpu'];
const NATIVE_SCOPES = ['@img'];

describe('electron-builder.yml', () => {
  it('unpacks every native package the app ships, with its prebuilt libraries', () => {
    const shipped = { ...pkg.dependencies, ...pkg.optionalDependencies };
    for (const name of NATIVE) {
      expect(shipped, `${name} is a dependency`).toHaveProperty([name]);
      expect(config.asarUnpack).toContain(`node_modules/${name}/**`);
    }
    for (const scope of NATIVE_SCOPES)
      expect(config.asarUnpack).toContain(`node_modules/${scope}/**`);
  });

  it('flips the fuses a hostile local user or a compromised page could use, and no others', () => {
    // Each one fits how the app starts: utility processes, app:// pages, all code in app.asar.
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});
