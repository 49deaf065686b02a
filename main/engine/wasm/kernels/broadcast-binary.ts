// tfjs-backend-wasm 4.22's Add, Sub, Multiply and RealDiv are XNNPACK's: fast for two tensors of
// one shape, ~2.7× slower where one side is a vector repeated over the other's trailing axes (a
// bias added to an NHWC activation, BatchNormalization's gradient multiplying by per-channel
// factors: 0.7 against 0.26 ms for 1.5 M values on one thread in a microbenchmark of 7 December
// 2026). Those are most of digits-strong's 90 Multiply calls a step and every conv bias of the
// detection and U-Net templates. Here that case is one SIMD pass over periods of lcm(4, vector
// length) elements against a table of the vector repeated, split over the backend's threads; the
// rest past the last whole period in JavaScript. Each element is one float32 operation, so the bits
// are the cpu backend's. A large tensor and a scalar take the same pass (a table of four: XNNPACK
// took 2.0 ms for [32, 4096] times a scalar, the pass 0.18), a value per row goes to
// row-broadcast.ts. Every other case (two tensors of one shape among them, which XNNPACK runs as
// fast as a pass here would) and any of those below a few thousand values go to the stock kernel.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { tf } from '../../tf.ts';
import {
  I32,
  addTo,
  backendMemory,
  copy,
  countdown,
  op,
  wasmModuleBytes,
  type ValueType,
  type WasmMemory,
} from '../emit.ts';
import { engineLoop, engineThreads, shares } from '../parallel.ts';
import { BINARY, MIN_VALUES, type BinaryKernel } from './elementwise.ts';
import { rowBroadcastBinary } from './row-broadcast.ts';
import { replaceStockKernel, stockKernel, type HeapBackend } from './kernel-helpers.ts';

/**
 * `periods` × `vectors` groups of four: out = full ∘ table, or table ∘ full where the repeated
 * vector is the left operand; the table reread each period.
 */
function broadcastBody(operation: readonly number[], tableLeft: boolean): number[] {
  const [FULL, OUT, TABLE, PERIODS, VECTORS] = [0, 1, 2, 3, 4];
  const [T, V] = [5, 6];
  const { get } = op;
  const full = [...get(FULL), ...op.v128Load()];
  const table = [...get(T), ...op.v128Load()];
  return [
    ...op.loop,
    ...copy(TABLE, T),
    ...copy(VECTORS, V),
    ...op.loop,
    ...get(OUT),
    ...(tableLeft ? [...table, ...full] : [...full, ...table]),
    ...operation,
    ...op.v128Store(),
    ...addTo(FULL, op.i32(16)),
    ...addTo(OUT, op.i32(16)),
    ...addTo(T, op.i32(16)),
    ...countdown(V),
    ...op.end,
    ...countdown(PERIODS),
    ...op.end,
  ];
}

export const broadcastBytes =
  (kernel: BinaryKernel, tableLeft: boolean) =>
  (shared: boolean): Uint8Array =>
    wasmModuleBytes({
      types: [{ params: Array<ValueType>(5).fill(I32) }],
      functions: [
        {
          type: 0,
          locals: [I32, I32],
          body: broadcastBody(BINARY[kernel].simd, tableLeft),
          export: 'broadcast',
        },
      ],
      sharedMemory: shared,
    });

const broadcastFor = (memory: WasmMemory, kernel: BinaryKernel, tableLeft: boolean) =>
  engineLoop(
    memory,
    `broadcast ${BINARY[kernel].id}${tableLeft ? ' left' : ''}`,
    broadcastBytes(kernel, tableLeft),
    'broadcast',
  );

/** The longest period (elements) the table covers. */
const MAX_PERIOD = 1 << 14;
/** Below this many elements the pass runs on one thread. */
const MIN_SPLIT_ELEMENTS = 1 << 18;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Whether `small` repeats over `full` along leading axes only: right-aligned, its axes are 1 up to
 * the first that is not and equal to `full`'s from there on; and it is more than one value.
 */
export function repeatsOver(small: readonly number[], full: readonly number[]): boolean {
  if (small.length > full.length) return false;
  const offset = full.length - small.length;
  let first = 0;
  while (first < small.length && small[first] === 1) first++;
  if (first === small.length) return false;
  for (let i = first; i < small.length; i++) if (small[i] !== full[offset + i]) return false;
  return true;
}

let simdPasses = 0;
/** Broadcast operations done by the SIMD pass in this process (tests check it ran). */
export const broadcastPasses = (): number => simdPasses;

const broadcastKernel =
  (kernel: BinaryKernel): KernelFunc =>
  (args) => {
    const { a, b } = args.inputs as Record<string, TensorInfo | undefined>;
    if (a === undefined || b === undefined) throw new Error(`${kernel} needs a and b.`);
    const stock = () => stockKernel(kernel).kernelFunc(args);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock();
    if (tf.util.arraysEqual(a.shape, b.shape)) return stock();
    const rows = rowBroadcastBinary(kernel, a, b, args.backend);
    if (rows !== undefined) return rows;
    const size = (t: TensorInfo) => tf.util.sizeFromShape(t.shape);
    const tableLeft = size(a) < size(b);
    const [full, small] = tableLeft ? [b, a] : [a, b];
    if (size(small) >= size(full)) return stock();
    // A scalar (of any rank up to the other's) is a vector of one repeated: a table of four.
    const scalar =
      size(small) === 1 && small.shape.length <= full.shape.length && size(full) >= MIN_VALUES;
    if (!scalar && !repeatsOver(small.shape, full.shape)) return stock();
    const n = size(small);
    const period = (4 / gcd(4, n)) * n;
    if (period > MAX_PERIOD) return stock();
    const heap = args.backend as unknown as HeapBackend;
    const total = size(full);
    const out = heap.makeOutput([...full.shape], 'float32');
    const scratch = heap.makeOutput([period], 'float32');
    try {
      // Views after the allocations: they may have grown (and so replaced) the heap.
      const vector = heap.typedArrayFromHeap(small);
      const table = heap.typedArrayFromHeap(scratch);
      for (let j = 0; j < period; j += n) table.set(vector, j);
      const values = heap.typedArrayFromHeap(full);
      const result = heap.typedArrayFromHeap(out);
      const memory = backendMemory(args.backend);
      const loop = memory === undefined ? undefined : broadcastFor(memory, kernel, tableLeft);
      const periods = loop === undefined ? 0 : Math.floor(total / period);
      if (loop !== undefined && periods > 0) {
        simdPasses++;
        const threads = total < MIN_SPLIT_ELEMENTS ? 1 : engineThreads(args.backend);
        loop.run(
          shares(periods, threads).map(([p0, p1]) => [
            values.byteOffset + 4 * p0 * period,
            result.byteOffset + 4 * p0 * period,
            table.byteOffset,
            p1 - p0,
            period / 4,
          ]),
          threads,
        );
      }
      const f = BINARY[kernel].js;
      for (let i = periods * period, j = 0; i < total; i++, j = (j + 1) % period) {
        const [x, t] = [values[i] as number, table[j] as number];
        result[i] = tableLeft ? f(t, x) : f(x, t);
      }
    } finally {
      (args.backend as unknown as { disposeData(id: object): void }).disposeData(scratch.dataId);
    }
    return out;
  };

/** Made once, so that registering again finds the same functions and does nothing. */
const KERNELS = {
  Add: broadcastKernel('Add'),
  Sub: broadcastKernel('Sub'),
  Multiply: broadcastKernel('Multiply'),
  RealDiv: broadcastKernel('RealDiv'),
} satisfies Record<BinaryKernel, KernelFunc>;

/**
 * Replaces the wasm backend's Add, Sub, Multiply and RealDiv with ones that take a vector repeated
 * over the other operand's leading axes in one SIMD pass. Later calls do nothing.
 */
export function registerWasmBroadcastBinary(): void {
  for (const [kernel, kernelFunc] of Object.entries(KERNELS)) {
    replaceStockKernel(kernel, kernelFunc, 'needed', 'WebAssembly');
  }
}
