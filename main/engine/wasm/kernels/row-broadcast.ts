// The other broadcast of the losses and the softmax gradient: one value per short row repeated
// along it ([32, 64, 64, 1] against [32, 64, 64, 5], [32, 4096, 1] against [32, 4096, 3]), which
// XNNPACK runs slowly for rows this short (4.9 ms for the first). Here it is one pass over the rows
// split over the backend's threads: each row's value splat into a vector, the row in groups of
// four and its last few values one at a time, every value one float32 operation (so the cpu
// backend's bits): 0.55 ms (2 threads, fastest of 20, 7 December 2026, machine under load). Rows of
// more than 64 values stay on XNNPACK, which is as fast there ([32, 1] against [32, 4096]).
import type { TensorInfo } from '@tensorflow/tfjs';
import { tf } from '../../tf.ts';
import {
  I32,
  V128,
  addTo,
  backendMemory,
  countdown,
  op,
  wasmModuleBytes,
  type ValueType,
  type WasmMemory,
} from '../emit.ts';
import { engineLoop, engineThreads, shares } from '../parallel.ts';
import { BINARY, MIN_VALUES, type BinaryKernel } from './elementwise.ts';
import type { HeapBackend } from './kernel-helpers.ts';

const SCALAR = {
  Add: op.f32Add,
  Sub: op.f32Sub,
  Multiply: op.f32Mul,
  RealDiv: op.f32Div,
} satisfies Record<BinaryKernel, readonly number[]>;

/**
 * `rows` rows of `length` values: out = full ∘ row value, or row value ∘ full where the row values
 * are the left operand.
 */
function rowsBody(kernel: BinaryKernel, rowLeft: boolean): number[] {
  const [FULL, ROW, OUT, ROWS, LENGTH] = [0, 1, 2, 3, 4];
  const [K, S] = [5, 6];
  const { get, set } = op;
  const vector = [...get(FULL), ...op.v128Load()];
  const splat = [...get(S)];
  const value = [...get(FULL), ...op.f32Load()];
  const rowValue = [...get(ROW), ...op.f32Load()];
  return [
    ...op.loop,
    ...get(ROW),
    ...op.v128Load32Splat(),
    ...set(S),
    ...get(LENGTH),
    ...set(K),
    // Groups of four while four are left.
    ...op.block,
    ...op.loop,
    ...get(K),
    ...op.i32(4),
    ...op.i32LtU,
    ...op.brIf(1),
    ...get(OUT),
    ...(rowLeft ? [...splat, ...vector] : [...vector, ...splat]),
    ...BINARY[kernel].simd,
    ...op.v128Store(),
    ...addTo(FULL, op.i32(16)),
    ...addTo(OUT, op.i32(16)),
    ...addTo(K, op.i32(-4)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // The rest one at a time.
    ...op.block,
    ...op.loop,
    ...get(K),
    ...op.i32Eqz,
    ...op.brIf(1),
    ...get(OUT),
    ...(rowLeft ? [...rowValue, ...value] : [...value, ...rowValue]),
    ...SCALAR[kernel],
    ...op.f32Store(),
    ...addTo(FULL, op.i32(4)),
    ...addTo(OUT, op.i32(4)),
    ...addTo(K, op.i32(-1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...addTo(ROW, op.i32(4)),
    ...countdown(ROWS),
    ...op.end,
  ];
}

export const rowsBytes =
  (kernel: BinaryKernel, rowLeft: boolean) =>
  (shared: boolean): Uint8Array =>
    wasmModuleBytes({
      types: [{ params: Array<ValueType>(5).fill(I32) }],
      functions: [
        { type: 0, locals: [I32, V128], body: rowsBody(kernel, rowLeft), export: 'rows' },
      ],
      sharedMemory: shared,
    });

const rowsFor = (memory: WasmMemory, kernel: BinaryKernel, rowLeft: boolean) =>
  engineLoop(
    memory,
    `row broadcast ${BINARY[kernel].id}${rowLeft ? ' left' : ''}`,
    rowsBytes(kernel, rowLeft),
    'rows',
  );

/** Longer rows stay on XNNPACK. */
const MAX_ROW_LENGTH = 64;
/** Below this many values the pass runs on one thread. */
const MIN_SPLIT_VALUES = 1 << 16;

/**
 * The rows and row length where `small` is `full` with its trailing axes (at least one) set to 1:
 * each of its values is repeated along a row of `full`; undefined otherwise.
 */
export function rowsOf(
  small: readonly number[],
  full: readonly number[],
): { rows: number; length: number } | undefined {
  if (small.length !== full.length) return undefined;
  let cut = small.length;
  while (cut > 0 && small[cut - 1] === 1) cut--;
  for (let i = 0; i < cut; i++) if (small[i] !== full[i]) return undefined;
  const rows = tf.util.sizeFromShape(full.slice(0, cut));
  const length = tf.util.sizeFromShape(full.slice(cut));
  return rows > 1 && length > 1 ? { rows, length } : undefined;
}

let passes = 0;
/** Row broadcasts done by the SIMD pass in this process (tests check it ran). */
export const rowBroadcastPasses = (): number => passes;

/**
 * a ∘ b where one of them holds a value per row of the other (see rowsOf), by the engine's pass;
 * undefined where it does not take the case (the caller runs the stock kernel).
 */
export function rowBroadcastBinary(
  kernel: BinaryKernel,
  a: TensorInfo,
  b: TensorInfo,
  backend: unknown,
): TensorInfo | undefined {
  const rowLeft = tf.util.sizeFromShape(a.shape) < tf.util.sizeFromShape(b.shape);
  const [full, small] = rowLeft ? [b, a] : [a, b];
  const shape = rowsOf(small.shape, full.shape);
  const memory = backendMemory(backend);
  if (
    shape === undefined ||
    shape.length > MAX_ROW_LENGTH ||
    shape.rows * shape.length < MIN_VALUES ||
    memory === undefined
  ) {
    return undefined;
  }
  const loop = rowsFor(memory, kernel, rowLeft);
  if (loop === undefined) return undefined;
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([...full.shape], 'float32');
  // Views after the allocation: it may have grown (and so replaced) the heap.
  const [vfull, vsmall, vout] = [full, small, out].map((t) => heap.typedArrayFromHeap(t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const { rows, length } = shape;
  const threads = rows * length < MIN_SPLIT_VALUES ? 1 : engineThreads(backend);
  passes++;
  loop.run(
    shares(rows, threads).map(([r0, r1]) => [
      vfull.byteOffset + 4 * r0 * length,
      vsmall.byteOffset + 4 * r0,
      vout.byteOffset + 4 * r0 * length,
      r1 - r0,
      length,
    ]),
    threads,
  );
  return out;
}
