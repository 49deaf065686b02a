import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

/** Imports the modules in a fresh Node process and lists the @tensorflow modules that got loaded. */
async function tensorflowLoadedBy(modules: readonly string[]): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module';
    for (const m of ${JSON.stringify(modules.map((m) => pathToFileURL(join(root, m)).href))}) await import(m);
    const cache = createRequire(${JSON.stringify(pathToFileURL(join(root, 'package.json')).href)})('node:module')._cache;
    const loaded = Object.keys(cache).filter((k) => k.includes('@tensorflow'));
    if ('_tfengine' in globalThis) loaded.push('(the tfjs engine global)');
    process.stdout.write(JSON.stringify(loaded));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: root },
  );
  return JSON.parse(stdout) as string[];
}

describe('the browser host', () => {
  it('loads no TensorFlow.js: it never trains, its training processes do', async () => {
    expect(
      await tensorflowLoadedBy([
        'main/web/web-server.ts',
        'main/app-host/run-files.ts',
        'main/app-host/examples.ts',
      ]),
    ).toEqual([]);
  });

  it('(the check sees TensorFlow.js when a module loads it)', async () => {
    const loaded = await tensorflowLoadedBy(['main/engine/tf.ts']);
    expect(loaded.length).toBeGreaterThan(0);
  });
});
