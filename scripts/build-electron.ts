/**
 * Bundles the desktop shell into out/electron with Vite (in SSR mode, for Node):
 *
 * - main.js: the main process, an ES module (package.json says "type": "module");
 * - preload.cjs: the preload, CommonJS with everything inlined but 'electron', because a
 *   sandboxed preload can only `require` Electron's own modules;
 * - training-process.js: the training process's entry for utilityProcess.fork;
 * - inspect-process.js: the dataset inspection's, likewise.
 *
 * Packages the app ships in node_modules stay external (the dependencies of package.json, and
 * Electron): tfjs-node finds its native library, sharp its libvips (the @img/* packages) and
 * tfjs-backend-wasm its .wasm files next to their own code, which bundling would break.
 */
import { readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = fileURLToPath(new URL('../out/electron', import.meta.url));

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const shipped = [
  'electron',
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
];
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** A package of `names`, or one of its subpaths. */
const isPackage = (id: string, names: readonly string[]) =>
  names.some((name) => id === name || id.startsWith(`${name}/`));

function config(
  entry: string,
  fileName: string,
  format: 'es' | 'cjs',
  external: (id: string) => boolean,
): InlineConfig {
  return {
    root,
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    ssr: { target: 'node', noExternal: true },
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      sourcemap: true,
      rollupOptions: {
        external,
        output: { format, entryFileNames: fileName, codeSplitting: false },
      },
    },
  };
}

const nodeExternal = (id: string) => builtins.has(id) || isPackage(id, shipped);

await rm(outDir, { recursive: true, force: true });
await build(config('electron/main.ts', 'main.js', 'es', nodeExternal));
await build(config('electron/preload.ts', 'preload.cjs', 'cjs', (id) => id === 'electron'));
await build(
  config('main/processes/training-process.ts', 'training-process.js', 'es', nodeExternal),
);
await build(config('main/processes/inspect-process.ts', 'inspect-process.js', 'es', nodeExternal));
process.stdout.write(
  `Built main.js, preload.cjs, training-process.js and inspect-process.js into ${outDir}\n`,
);
