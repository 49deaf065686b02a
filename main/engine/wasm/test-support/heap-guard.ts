// Test support: an allocator guard over tfjs-backend-wasm's heap, for stress tests of the engine's
// kernels. Every buffer the backend allocates from JavaScript (each tensor's memory, the engine's
// scratch areas) gets guard bytes on both sides, checked when it is freed; a freed buffer is
// filled with a poison pattern and held back from the allocator for a while (a quarantine, as
// AddressSanitizer does), so a thread that writes into it after its free is caught when it leaves
// the quarantine, instead of silently trashing the allocator's free lists. Freeing a buffer twice
// is caught as well. Memory the backend's C++ allocates itself passes through unguarded.
import { backendMemory } from '../emit.ts';

interface AllocatingModule {
  _malloc(bytes: number): number;
  _free(offset: number): void;
}

export interface HeapGuard {
  /** Each problem found so far, as a sentence. */
  readonly problems: readonly string[];
  /** Checks every live buffer's guards, then checks and hands back every quarantined one. */
  flush(): void;
  /**
   * Mallocs and frees `count` buffers of assorted sizes straight through the allocator, in a
   * shuffled order: with corrupted free lists it aborts or never returns.
   */
  exerciseAllocator(count: number): void;
  /** Buffers guarded so far. */
  readonly guarded: number;
}

const GUARD = 64;
const GUARD_BYTE = 0xc5;
// Tiny as a float32 (2.4e-38) and a float64 (7.8e-304): a late write that adds to the poison,
// as the sums do, still changes its bits; a huge poison would swallow the addend.
const POISON_BYTE = 0x01;

/** Wraps the backend's malloc and free; `quarantineBytes` of freed buffers are held back. */
export function guardWasmHeap(backend: unknown, quarantineBytes = 16 << 20): HeapGuard {
  const module = (backend as { wasm: AllocatingModule }).wasm;
  const memory = backendMemory(backend);
  if (memory === undefined) throw new Error('The backend has no WebAssembly memory to guard.');
  const heap = () => new Uint8Array(memory.buffer);
  // The glue's first call of each replaces the property with the module's own export: make that
  // call now, so the wrappers below stay in place.
  module._free(module._malloc(8));
  const realMalloc = module._malloc.bind(module);
  const realFree = module._free.bind(module);
  const live = new Map<number, number>();
  const quarantine = new Map<number, number>();
  let held = 0;
  let guarded = 0;
  const problems: string[] = [];

  /** The first offset in [from, from + length) whose byte is not `value`, or -1. */
  const firstOther = (from: number, length: number, value: number): number => {
    const bytes = heap();
    for (let i = from; i < from + length; i++) if (bytes[i] !== value) return i;
    return -1;
  };
  const checkGuards = (at: number, size: number) => {
    const before = firstOther(at - GUARD, GUARD, GUARD_BYTE);
    if (before >= 0) {
      problems.push(
        `Something wrote ${at - before} bytes before the ${size}-byte buffer at ${at}.`,
      );
    }
    const after = firstOther(at + size, GUARD, GUARD_BYTE);
    if (after >= 0) {
      problems.push(`Something wrote past the end of the ${size}-byte buffer at ${at}.`);
    }
  };
  const checkPoison = (at: number, size: number) => {
    const where = firstOther(at, size, POISON_BYTE);
    if (where >= 0) {
      problems.push(
        `Something wrote into the ${size}-byte buffer at ${at} (at byte ${where - at}) after it was freed.`,
      );
    }
  };
  const release = (at: number) => {
    const size = quarantine.get(at) ?? 0;
    checkGuards(at, size);
    checkPoison(at, size);
    quarantine.delete(at);
    held -= size;
    realFree(at - GUARD);
  };

  module._malloc = (bytes: number) => {
    const base = realMalloc(bytes + 2 * GUARD) >>> 0;
    if (base === 0) return 0;
    const at = base + GUARD;
    const view = heap();
    view.fill(GUARD_BYTE, base, at);
    view.fill(GUARD_BYTE, at + bytes, at + bytes + GUARD);
    live.set(at, bytes);
    guarded++;
    return at;
  };
  module._free = (offset: number) => {
    const at = offset >>> 0;
    const size = live.get(at);
    if (size === undefined) {
      if (quarantine.has(at)) problems.push(`The buffer at ${at} was freed twice.`);
      else realFree(offset);
      return;
    }
    live.delete(at);
    checkGuards(at, size);
    heap().fill(POISON_BYTE, at, at + size);
    quarantine.set(at, size);
    held += size;
    // Oldest first: a Map iterates in insertion order.
    for (const oldest of quarantine.keys()) {
      if (held <= quarantineBytes) break;
      release(oldest);
    }
  };

  return {
    problems,
    get guarded() {
      return guarded;
    },
    flush() {
      for (const [at, size] of live) checkGuards(at, size);
      for (const at of [...quarantine.keys()]) release(at);
    },
    exerciseAllocator(count: number) {
      const sizes = [1, 7, 16, 24, 100, 256, 1000, 4096, 65536, 300_000];
      const taken: number[] = [];
      let seed = 12345;
      const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
      for (let i = 0; i < count; i++) {
        taken.push(realMalloc(sizes[next() % sizes.length] as number));
        if (next() % 3 === 0 && taken.length > 0) {
          realFree(taken.splice(next() % taken.length, 1)[0] as number);
        }
      }
      for (const at of taken) realFree(at);
    },
  };
}
