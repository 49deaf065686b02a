// The engine's own WebAssembly loops (the products of `kernels/gemm.ts`, the max-pool and ReLU
// gradients, the leading-axis sums, Adam's update) on every thread the backend has: helper
// threads (Node's worker_threads) import the backend's shared memory and the same compiled
// module, and each runs its share of a call while the calling thread runs the first share and then
// waits for the rest with Atomics.wait — as XNNPACK's own pool does inside the backend. Nothing is
// written to disk (the helpers' script is passed as a string), and the helpers are unreferenced, so
// a process ends when its own work is done. A call hands each helper its arguments through a small
// shared array; a module a helper has not seen yet comes first through a message port, read
// synchronously when the helper needs it.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { instantiateOver, isSharedMemory, type WasmMemory } from './emit.ts';
import { threadsOf } from './threads.ts';

// The control array of a helper: call counter, calls done, module key, status, argument count,
// stop flag, a delay tests inject; the arguments go in a float64 array beside it (every i32 and
// f32 fits).
const [CALLS, DONE, KEY, STATUS, ARGC, STOP, DELAY] = [0, 1, 2, 3, 4, 5, 6];
const CONTROL_INTS = 8;
const MAX_ARGS = 32;

/** A helper's script: wait for a call, run it, say it is done. */
const HELPER = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, control, args, port } = workerData;
const ctl = new Int32Array(control);
const values = new Float64Array(args);
const fns = new Map();
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${CALLS}, seen);
  if (Atomics.load(ctl, ${STOP}) !== 0) break;
  seen = Atomics.load(ctl, ${CALLS});
  let status = 0;
  try {
    const key = ctl[${KEY}];
    for (let tries = 0; !fns.has(key); tries++) {
      const got = receiveMessageOnPort(port);
      if (got !== undefined) {
        const { key: k, module, name } = got.message;
        fns.set(k, new WebAssembly.Instance(module, { env: { memory } }).exports[name]);
      } else if (tries < 1000) {
        Atomics.wait(ctl, ${STOP}, 0, 1);
      } else {
        throw new Error('module ' + key + ' never came');
      }
    }
    const argv = Array.from(values.subarray(0, ctl[${ARGC}]));
    // A thread the system stopped between reading its share and writing it (tests inject this).
    const delay = ctl[${DELAY}];
    if (delay > 0) Atomics.wait(ctl, ${STOP}, 0, delay);
    fns.get(key)(...argv);
  } catch (e) {
    status = 1;
  }
  Atomics.store(ctl, ${STATUS}, status);
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

interface Helper {
  readonly worker: Worker;
  readonly control: Int32Array;
  readonly args: Float64Array;
  readonly port: MessagePort;
  readonly keys: Set<number>;
  calls: number;
}

/** A compiled module the helpers can run: `key` names it between threads. */
interface SharedModule {
  readonly key: number;
  /** The loop's id, as engineLoop was given it. */
  readonly id: string;
  readonly module: object;
  readonly name: string;
}

/** How long the calling thread waits for a helper before it says so (and waits on). */
let patienceMs = 120_000;

/** Tests stall helper threads on purpose: `ms` before every `every`-th share of `loop`. */
let injected: { ms: number; every: number; loop: string | undefined; count: number } = {
  ms: 0,
  every: 1,
  loop: undefined,
  count: 0,
};

/**
 * Makes every `every`-th share a helper runs (of the loop with id `loop`, or of any) wait `ms`
 * first, as a thread the system stopped between reading its share and writing it would; 0 ms
 * turns it off. For tests.
 */
export function delayHelperShares(ms: number, every = 1, loop?: string): void {
  injected = { ms, every: Math.max(1, every), loop, count: 0 };
}

const injectedDelay = (id: string): number =>
  injected.ms > 0 &&
  (injected.loop === undefined || injected.loop === id) &&
  injected.count++ % injected.every === 0
    ? injected.ms
    : 0;

/** Told, once per call, that the calling thread has waited `ms` for a helper and waits on. */
let onSlowHelper = (ms: number): void => {
  process.stderr.write(
    `warning: a helper thread of the WebAssembly backend has not finished its share of a call for ${Math.round(ms / 1000)} s; waiting for it.\n`,
  );
};

/** How long the calling thread waits for a helper before it says so, and to whom. For tests. */
export function setHelperPatience(ms: number, onSlow: (ms: number) => void): void {
  patienceMs = ms;
  onSlowHelper = onSlow;
}

class HelperPool {
  readonly helpers: Helper[] = [];

  constructor(
    readonly memory: WasmMemory,
    count: number,
  ) {
    for (let i = 0; i < count; i++) {
      const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_INTS));
      const args = new Float64Array(new SharedArrayBuffer(8 * MAX_ARGS));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(HELPER, {
        eval: true,
        workerData: { memory, control: control.buffer, args: args.buffer, port: port2 },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.helpers.push({ worker, control, args, port: port1, keys: new Set(), calls: 0 });
    }
  }

  /** Runs `here` with the first argument list and the module's export with each other one. */
  run(shared: SharedModule, argLists: readonly number[][], here: (...args: number[]) => void) {
    const sent: Helper[] = [];
    argLists.slice(1).forEach((args, i) => {
      const h = this.helpers[i];
      if (h === undefined) throw new Error(`No helper thread for share ${i + 1} of a call.`);
      if (args.length > MAX_ARGS)
        throw new Error(`A call to a helper takes ${MAX_ARGS} arguments at most.`);
      if (!h.keys.has(shared.key)) {
        h.port.postMessage({ key: shared.key, module: shared.module, name: shared.name });
        h.keys.add(shared.key);
      }
      h.control[KEY] = shared.key;
      h.control[ARGC] = args.length;
      h.args.set(args);
      h.control[DELAY] = injectedDelay(shared.id);
      h.calls++;
      Atomics.add(h.control, CALLS, 1);
      Atomics.notify(h.control, CALLS);
      sent.push(h);
    });
    let error: unknown;
    try {
      here(...(argLists[0] ?? []));
    } catch (e) {
      error = e;
    }
    // Every helper is waited for, however long it takes: never return while one may still write.
    // A call that gave up on a helper (it once did after 2 minutes, which a loaded, swapping or
    // suspended machine reaches) freed what the helper was writing into (a Sum's scratch, and
    // every tensor of the step as the error unwound it), so the helper's late writes landed in
    // memory the allocator had taken back and trashed its free lists; training then spun for ever
    // inside `free` (issue 19). A helper that never answers leaves the step making no progress,
    // which the run's watchdog ends with a sentence.
    for (const h of sent) {
      let waited = 0;
      for (;;) {
        const done = Atomics.load(h.control, DONE);
        if (done >= h.calls) break;
        if (Atomics.wait(h.control, DONE, done, patienceMs) === 'timed-out') {
          waited += patienceMs;
          if (waited === patienceMs) onSlowHelper(waited);
        }
      }
      if (h.control[STATUS] !== 0)
        error ??= new Error(
          'A helper thread of the WebAssembly backend failed its share of a call.',
        );
    }
    if (error !== undefined) throw error;
  }

  stop(): void {
    for (const h of this.helpers) {
      Atomics.store(h.control, STOP, 1);
      Atomics.add(h.control, CALLS, 1);
      Atomics.notify(h.control, CALLS);
      h.port.close();
    }
    this.helpers.length = 0;
  }
}

let pool: HelperPool | undefined;
let sharedCalls = 0;
const sharedByLoop = new Map<string, number>();

/** How many calls have been split over helper threads in this process (for tests and the bench). */
export const splitCalls = (): number => sharedCalls;

/** The same count per loop id, the kind of a product or pool gradient included (for tests). */
export const splitCallsByLoop = (): Record<string, number> => Object.fromEntries(sharedByLoop);

/**
 * Helper threads over `memory` so that `threads` run at once (the caller being one), started on
 * first use and kept for the backend's thread count; undefined for one thread or a memory that is
 * not shared.
 */
function helpersFor(memory: WasmMemory, threads: number): HelperPool | undefined {
  if (threads <= 1 || !isSharedMemory(memory)) return undefined;
  if (pool !== undefined && pool.memory === memory && pool.helpers.length === threads - 1) {
    return pool;
  }
  pool?.stop();
  pool = new HelperPool(memory, threads - 1);
  return pool;
}

/** The threads the backend runs (XNNPACK's pool); the engine's loops split over as many. */
export function engineThreads(backend: unknown): number {
  try {
    return threadsOf(backend as Parameters<typeof threadsOf>[0]);
  } catch {
    return 1;
  }
}

/** Tests compare the engine's loops with the paths they replace: off sends every call there. */
let loopsOn = true;
export function useEngineLoops(on: boolean): void {
  loopsOn = on;
}

/** One of the engine's compiled SIMD loops, bound to a backend's memory. */
export interface EngineLoop {
  /**
   * Runs the loop once per argument list, at most `threads` at once: the first list here, the
   * others on helper threads; returns when all are done.
   */
  run(argLists: readonly number[][], threads: number): void;
}

const loops = new WeakMap<WasmMemory, Map<string, EngineLoop | null>>();
let nextKey = 1;

/** What became of one of the engine's loops in this process. */
export interface LoopRecord {
  readonly id: string;
  /** The module's bytes for a shared (threaded build) or an unshared memory. */
  readonly bytes: (shared: boolean) => Uint8Array;
  /** Why it fell back to the path it replaces, if it did. */
  readonly error?: string;
  /** Calls that ran the SIMD loop. */
  runs: number;
}
const records = new Map<string, LoopRecord>();

/**
 * Every loop the engine has tried to compile in this process, by id: a module that did not compile
 * falls back in silence otherwise, so tests and the bench read this to see the fast path ran.
 */
export const engineLoopRecords = (): readonly LoopRecord[] => [...records.values()];

/**
 * The export `name` of the module `bytes` makes, over `memory`, compiled once per `id`; undefined
 * where the engine's loops are off or cannot run here (no SIMD, a memory that cannot be
 * imported): callers then take the path the loop replaces.
 */
export function engineLoop(
  memory: WasmMemory,
  id: string,
  bytes: (shared: boolean) => Uint8Array,
  name: string,
): EngineLoop | undefined {
  if (!loopsOn) return undefined;
  let byId = loops.get(memory);
  if (byId === undefined) loops.set(memory, (byId = new Map()));
  const known = byId.get(id);
  if (known !== undefined) return known ?? undefined;
  const made = instantiateOver(memory, bytes);
  const fn = 'exports' in made ? (made.exports[name] as (...args: number[]) => void) : undefined;
  const record: LoopRecord = {
    id,
    bytes,
    runs: 0,
    ...('error' in made
      ? { error: made.error }
      : fn === undefined
        ? { error: `the module exports no function '${name}'` }
        : {}),
  };
  records.set(id, record);
  let loop: EngineLoop | null = null;
  if ('module' in made && fn !== undefined) {
    const shared: SharedModule = { key: nextKey++, id, module: made.module, name };
    loop = {
      run(argLists, threads) {
        record.runs++;
        const helpers = argLists.length > 1 ? helpersFor(memory, threads) : undefined;
        if (helpers === undefined || argLists.length > threads) {
          for (const args of argLists) fn(...args);
        } else {
          sharedCalls++;
          sharedByLoop.set(id, (sharedByLoop.get(id) ?? 0) + 1);
          helpers.run(shared, argLists, fn);
        }
      },
    };
  }
  byId.set(id, loop);
  return loop ?? undefined;
}

/** [start, end) shares of `count` items for `parts` threads, each a whole number of `unit`s. */
export function shares(count: number, parts: number, unit = 1): [number, number][] {
  const per = Math.max(unit, Math.ceil(count / Math.max(1, parts) / unit) * unit);
  const out: [number, number][] = [];
  for (let start = 0; start < count; start += per) out.push([start, Math.min(count, start + per)]);
  return out;
}
