// tfjs-backend-wasm 4.22's `Sum` reduces only over the innermost axes: for any other axes it first
// transposes the whole input so they come last. A convolution's bias gradient sums dy over batch,
// height and width — the outer axes of NHWC — so in the reference model's training step those two
// sums transposed 4 M and 2 M values and took ~65 of ~870 ms (one thread). This kernel sums over
// leading axes in place instead: one pass over the input in memory order, adding each row into a
// float64 accumulator per output element, as the cpu backend accumulates. Every other reduction
// goes to the stock kernel. `Mean` transposes the same way; BatchNormalization's batch moments are
// two Means over batch, height and width per layer (~19 ms of digits-strong's ~380 ms step in the
// bench's profile of 7 December 2026), so it takes the same sums, divided by the count.
import type { KernelFunc, SumAttrs } from '@tensorflow/tfjs';
import { tf } from '../../tf.ts';
import {
  I32,
  V128,
  addTo,
  copy,
  countdown,
  backendMemory,
  op,
  wasmModuleBytes,
  type ValueType,
  type WasmMemory,
} from '../emit.ts';
import { replaceStockKernel, stockKernel, type HeapBackend } from './kernel-helpers.ts';
import { engineLoop, engineThreads, shares } from '../parallel.ts';

// The same sums in WebAssembly SIMD: each value is widened to float64 and added in row order, as
// the loop below does, so the bits are the same; two columns a lane pair, sixteen at a time, rows
// in blocks of ~64 KiB so a block stays in the cache while its column groups run. Columns are
// split over the backend's threads (each column's sum runs on one thread, in the same order).
const UNITS = 8;
const BLOCK_BYTES = 65536;

/** Adds rows [x, x + rows·rowBytes) of `units` column pairs to the float64 sums at acc. */
function pairsFunction(units: number) {
  const [X, ACC, ROWS, ROW_BYTES] = [0, 1, 2, 3];
  const first = 4;
  const { get, set } = op;
  const body = [
    ...[...Array(units).keys()].flatMap((u) => [
      ...get(ACC),
      ...op.v128Load(u * 16),
      ...set(first + u),
    ]),
    ...op.loop,
    ...[...Array(units).keys()].flatMap((u) => [
      ...get(first + u),
      ...get(X),
      ...op.v128Load64Zero(u * 8),
      ...op.f64x2PromoteLow,
      ...op.f64x2Add,
      ...set(first + u),
    ]),
    ...addTo(X, get(ROW_BYTES)),
    ...countdown(ROWS),
    ...op.end,
    ...[...Array(units).keys()].flatMap((u) => [
      ...get(ACC),
      ...get(first + u),
      ...op.v128Store(u * 16),
    ]),
  ];
  return { type: 0, locals: Array<ValueType>(units).fill(V128), body };
}

/** Row blocks, then the column pairs [u0, u1) sixteen columns at a time, then one pair at a time. */
function columnSumFunction() {
  const [X, ACC, ROWS, ROW_BYTES, BLOCK_ROWS, U0, U1, R0, N, U] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const { get, set } = op;
  const left = [...get(ROWS), ...get(R0), ...op.i32Sub];
  const callPairs = (fn: number, step: number) => [
    ...op.block,
    ...op.loop,
    ...get(U),
    ...op.i32(step),
    ...op.i32Add,
    ...get(U1),
    ...op.i32GtU,
    ...op.brIf(1),
    ...get(X),
    ...get(R0),
    ...get(ROW_BYTES),
    ...op.i32Mul,
    ...op.i32Add,
    ...get(U),
    ...op.i32(8),
    ...op.i32Mul,
    ...op.i32Add,
    ...get(ACC),
    ...get(U),
    ...op.i32(16),
    ...op.i32Mul,
    ...op.i32Add,
    ...get(N),
    ...get(ROW_BYTES),
    ...op.call(fn),
    ...addTo(U, op.i32(step)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const body = [
    ...op.i32(0),
    ...set(R0),
    ...op.block,
    ...op.loop,
    ...get(R0),
    ...get(ROWS),
    ...op.i32GeU,
    ...op.brIf(1),
    ...get(BLOCK_ROWS),
    ...left,
    ...left,
    ...get(BLOCK_ROWS),
    ...op.i32GeU,
    ...op.select,
    ...set(N),
    ...copy(U0, U),
    ...callPairs(0, UNITS),
    ...callPairs(1, 1),
    ...addTo(R0, get(BLOCK_ROWS)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  return { type: 1, locals: Array<ValueType>(3).fill(I32), body, export: 'columnSums' };
}

const columnSumsFor = (memory: WasmMemory) =>
  engineLoop(
    memory,
    'column sums',
    (shared) =>
      wasmModuleBytes({
        types: [
          { params: Array<ValueType>(4).fill(I32) },
          { params: Array<ValueType>(7).fill(I32) },
        ],
        functions: [pairsFunction(UNITS), pairsFunction(1), columnSumFunction()],
        sharedMemory: shared,
      }),
    'columnSums',
  );

/**
 * Float64 sums of the columns of a [rows, columns] float32 matrix on the heap, through the SIMD
 * module; false where it cannot run here. `sums` is a float64 scratch area on the heap.
 */
function simdColumnSums(
  backend: unknown,
  values: Float32Array,
  sums: Float64Array,
  rows: number,
  columns: number,
): boolean {
  const memory = backendMemory(backend);
  if (memory === undefined || columns < 2 || rows === 0) return false;
  const loop = columnSumsFor(memory);
  if (loop === undefined) return false;
  sums.fill(0);
  const rowBytes = columns * 4;
  const blockRows = Math.max(1, Math.floor(BLOCK_BYTES / rowBytes));
  const pairs = columns >> 1;
  const argsFor = (u0: number, u1: number) => [
    values.byteOffset,
    sums.byteOffset,
    rows,
    rowBytes,
    blockRows,
    u0,
    u1,
  ];
  // Small sums stay on this thread; larger ones split their column pairs in sixteens.
  const threads = rows * columns < 1 << 16 ? 1 : engineThreads(backend);
  loop.run(
    shares(pairs, threads, UNITS).map(([u0, u1]) => argsFor(u0, u1)),
    threads,
  );
  if (columns % 2 === 1) {
    let last = 0;
    for (let r = 0, at = columns - 1; r < rows; r++, at += columns) last += values[at] as number;
    sums[columns - 1] = last;
  }
  return true;
}

/** How many leading axes `axes` names, if it names exactly the first k < rank of them. */
function leadingAxes(axes: number[], rank: number): number | undefined {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length >= rank) return undefined;
  return sorted.every((axis, i) => axis === i) ? sorted.length : undefined;
}

/**
 * Sum or Mean over leading axes (float32) without a transpose; every other reduction goes to the
 * stock kernel. A mean is the float64 sum divided by the count, rounded once.
 */
const leadingReduction =
  (kernel: 'Sum' | 'Mean'): KernelFunc =>
  (args) => {
    const { inputs, attrs, backend } = args;
    const x = inputs['x'];
    if (x === undefined) throw new Error(`${kernel} needs the input x.`);
    const { axis, keepDims } = attrs as unknown as SumAttrs;
    const k =
      x.dtype === 'float32'
        ? leadingAxes(tf.util.parseAxisParam(axis, x.shape), x.shape.length)
        : undefined;
    if (k === undefined) return stockKernel(kernel).kernelFunc(args);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
    const columns = tf.util.sizeFromShape(x.shape.slice(k));
    const heap = backend as unknown as HeapBackend;
    const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const out = heap.makeOutput(outShape, 'float32');
    // Float64 sums on the heap for the SIMD module: a float32 tensor of twice the columns.
    const scratch = heap.makeOutput([2 * columns], 'float32');
    try {
      // Views after the allocations: they may have grown (and so replaced) the heap.
      const values = heap.typedArrayFromHeap(x);
      const area = heap.typedArrayFromHeap(scratch);
      const sums = new Float64Array(area.buffer, area.byteOffset, columns);
      if (!simdColumnSums(backend, values, sums, rows, columns)) {
        sums.fill(0);
        for (let r = 0, at = 0; r < rows; r++, at += columns) {
          for (let c = 0; c < columns; c++)
            sums[c] = (sums[c] as number) + (values[at + c] as number);
        }
      }
      if (kernel === 'Mean') for (let c = 0; c < columns; c++) sums[c] = (sums[c] as number) / rows;
      heap.typedArrayFromHeap(out).set(sums);
    } finally {
      (backend as unknown as { disposeData(id: object): void }).disposeData(scratch.dataId);
    }
    return out;
  };

const sumWasm = leadingReduction('Sum');
const meanWasm = leadingReduction('Mean');

/**
 * Replaces the wasm backend's `Sum` and `Mean` with ones that reduce over leading axes without a
 * transpose (BatchNormalization's batch moments are two Means over batch, height and width per
 * layer). Safe to call more than once; later calls do nothing.
 */
export function registerWasmSum(): void {
  replaceStockKernel('Sum', sumWasm, 'needed', 'WebAssembly');
  replaceStockKernel('Mean', meanWasm, 'needed', 'WebAssembly');
}
