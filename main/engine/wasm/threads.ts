// tfjs-backend-wasm 4.22 ships a threaded SIMD build (wasm-out/tfjs-backend-wasm-threaded-simd.*)
// but never uses it under Node: its WASM_HAS_MULTITHREAD_SUPPORT flag is false there, it hands
// emscripten's pthread worker a `blob:` URL that Node's Worker cannot load, and emscripten keeps
// its workers referenced, so a process that used them would never exit. The glue itself runs on
// Node's worker_threads, so this loader starts it the way emscripten expects under Node: the
// worker script as a real file (in a fresh temporary folder), the glue's own path as the main
// script every worker evaluates, and an explicit thread count (the stock backend would take half
// the logical cores). It then hands the module to the package's own `BackendWasm`, so every wasm
// kernel, stock or the engine's, runs unchanged on it.
//
// The glue starts a pool of 8 workers while it loads; XNNPACK's thread pool (threads − 1 workers,
// the calling thread being the last) takes what it needs when the backend starts and never makes
// another thread, so the rest are ended at once and the temporary folder is removed as soon as the
// workers have read it: nothing is left on disk even if the process is killed. The pool's workers
// are unreferenced (the main thread waits for them with Atomics.wait, not through the event loop),
// so a process ends when its own work is done.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

/** The most threads the backend's pool takes: the glue starts 8 workers and the pool stops there. */
export const MAX_WASM_THREADS = 8;

/** The default thread count: every core Node says this process may use, up to the pool's limit. */
export const defaultWasmThreads = (): number => Math.min(availableParallelism(), MAX_WASM_THREADS);

interface NodeWorker {
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

interface ThreadedModule {
  cwrap: (name: string, returns: string | null, args: string[]) => (...args: number[]) => number;
  PThread: { unusedWorkers: NodeWorker[]; runningWorkers: NodeWorker[] };
  tfjs?: Record<string, unknown>;
}

/** The one WebAssembly call used here (this project's TypeScript libraries have no DOM types). */
const webAssembly = () =>
  (
    globalThis as unknown as {
      WebAssembly: {
        instantiate: (
          bytes: Uint8Array,
          imports: object,
        ) => Promise<{ instance: unknown; module: unknown }>;
      };
    }
  ).WebAssembly;

type Factory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

const GLUE = 'tfjs-backend-wasm-threaded-simd';

/** wasm-out, outside the desktop app's asar archive (electron-builder.yml unpacks it). */
function glueFolder(): string {
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkg), 'wasm-out').replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
}

/**
 * Starts the threaded SIMD build of tfjs-backend-wasm with `threads` threads (the caller's thread
 * counts as one) and returns the backend, ready for `tf.registerBackend('wasm', …)`. Throws a
 * sentence when this Node cannot run it (no SharedArrayBuffer, no worker_threads).
 */
export async function startThreadedWasm(threads: number): Promise<BackendWasm> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`the thread count must be a whole number from 1 to 8, not ${threads}`);
  }
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new Error('this JavaScript runtime has no SharedArrayBuffer for WebAssembly threads');
  }
  const folder = glueFolder();
  const mainScript = join(folder, `${GLUE}.js`);
  const factory = require(mainScript) as Factory;
  const { wasmWorkerContents } = require(join(folder, `${GLUE}.worker.js`)) as {
    wasmWorkerContents: string;
  };
  const temp = mkdtempSync(join(tmpdir(), 'multitask-studio-wasm-'));
  try {
    // .cjs: the worker uses require and __filename whatever package.json sits above tmpdir.
    const workerFile = join(temp, `${GLUE}.worker.cjs`);
    // The package keeps the script in a template literal, whose "\n" escapes became newlines
    // inside string literals; put them back as the package's own loader does.
    writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
    const binary = readFileSync(join(folder, `${GLUE}.wasm`));
    const wasm = await factory({
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.worker.js') ? workerFile : prefix + path,
      mainScriptUrlOrBlob: mainScript,
      // The backend caps its pool at half the logical cores it is told of, so it is told of
      // twice the threads asked for; nothing else in the module asks.
      instantiateWasm: (
        imports: { env: Record<string, unknown> },
        receive: (instance: unknown, module: unknown) => void,
      ) => {
        imports.env['emscripten_num_logical_cores'] = () => 2 * threads;
        void webAssembly()
          .instantiate(binary, imports)
          .then((r) => receive(r.instance, r.module));
        return {};
      },
    });
    // Before any worker runs a thread: emscripten refs a worker when it starts one on it.
    for (const worker of wasm.PThread.unusedWorkers) worker.ref = () => undefined;
    wasm.tfjs = {
      init: wasm.cwrap('init', null, []),
      initWithThreadsCount: wasm.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: wasm.cwrap('get_threads_count', 'number', []),
      registerTensor: wasm.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: wasm.cwrap('dispose_data', null, ['number']),
      dispose: wasm.cwrap('dispose', null, []),
    };
    setThreadsCount(threads);
    const backend = new BackendWasm(
      wasm as unknown as ConstructorParameters<typeof BackendWasm>[0],
    );
    for (const worker of wasm.PThread.runningWorkers) worker.unref();
    for (const worker of wasm.PThread.unusedWorkers.splice(0)) void worker.terminate();
    return backend;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** The thread count XNNPACK really runs with, as the backend reports it. */
export function threadsOf(backend: BackendWasm): number {
  const wasm = backend.wasm as unknown as { tfjs: { getThreadsCount: () => number } };
  return wasm.tfjs.getThreadsCount();
}
