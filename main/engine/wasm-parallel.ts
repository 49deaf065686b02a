// The engine's own WebAssembly loops (`wasm-gemm.ts`) on every thread the backend has: helper
// threads (Node's worker_threads) import the backend's shared memory and the same compiled
// module, and each runs its share of a call while the calling thread runs the first share and then
// waits for the rest with Atomics.wait — as XNNPACK's own pool does inside the backend. Nothing is
// written to disk (the helpers' script is passed as a string), and the helpers are unreferenced, so
// a process ends when its own work is done. A call hands each helper its arguments through a small
// shared array; a module a helper has not seen yet comes first through a message port, read
// synchronously when the helper needs it.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { WasmMemory } from './wasm-emit.ts';

// The control array of a helper: call counter, calls done, module key, status, argument count,
// stop flag, then the arguments.
const [CALLS, DONE, KEY, STATUS, ARGC, STOP, ARGS] = [0, 1, 2, 3, 4, 5, 8];
const MAX_ARGS = 32;

/** A helper's script: wait for a call, run it, say it is done. */
const HELPER = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, control, port } = workerData;
const ctl = new Int32Array(control);
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
    fns.get(key)(...ctl.subarray(${ARGS}, ${ARGS} + ctl[${ARGC}]));
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
  readonly port: MessagePort;
  readonly keys: Set<number>;
  calls: number;
}

/** A compiled module the helpers can run: `key` names it between threads. */
export interface SharedModule {
  readonly key: number;
  readonly module: object;
  readonly name: string;
}

/** How long the calling thread waits for a helper before calling the call failed. */
const HELPER_TIMEOUT_MS = 120_000;

class HelperPool {
  readonly helpers: Helper[] = [];

  constructor(
    readonly memory: WasmMemory,
    count: number,
  ) {
    for (let i = 0; i < count; i++) {
      const control = new Int32Array(new SharedArrayBuffer(4 * (ARGS + MAX_ARGS)));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(HELPER, {
        eval: true,
        workerData: { memory, control: control.buffer, port: port2 },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.helpers.push({ worker, control, port: port1, keys: new Set(), calls: 0 });
    }
  }

  /** Runs `here` with the first argument list and the module's export with each other one. */
  run(shared: SharedModule, argLists: readonly number[][], here: (...args: number[]) => void) {
    const sent: Helper[] = [];
    sharedCalls++;
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
      h.control.set(args, ARGS);
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
    for (const h of sent) {
      for (;;) {
        const done = Atomics.load(h.control, DONE);
        if (done >= h.calls) break;
        if (Atomics.wait(h.control, DONE, done, HELPER_TIMEOUT_MS) === 'timed-out') {
          throw new Error('A helper thread of the WebAssembly backend stopped answering.');
        }
      }
      if (h.control[STATUS] !== 0)
        error ??= new Error('A helper thread failed its share of a product.');
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

/** How many calls have been split over helper threads in this process (for tests and the bench). */
export const splitCalls = (): number => sharedCalls;

/**
 * Helper threads over `memory` so that `threads` run at once (the caller being one), started on
 * first use; undefined for one thread or a memory that is not shared.
 */
export function helpersFor(memory: WasmMemory, threads: number): HelperPool | undefined {
  if (threads <= 1 || !(memory.buffer instanceof SharedArrayBuffer)) return undefined;
  if (pool !== undefined && pool.memory === memory && pool.helpers.length === threads - 1) {
    return pool;
  }
  pool?.stop();
  pool = new HelperPool(memory, threads - 1);
  return pool;
}

/** Ends the helper threads (the next parallel call starts new ones). */
export function stopHelpers(): void {
  pool?.stop();
  pool = undefined;
}

export type { HelperPool };
