// tfjs-backend-wasm 4.22 writes Concat, SplitV and Slice in JavaScript: each copies one row at a
// time with `subarray` and `set`, a row being everything inside the axis it works on. On a channel
// axis that is one call per pixel: scenes-unet's skip connection, a Concat of two [16, 32, 32, 32]
// maps, and its gradient, a SplitV, are 32 K calls each (~4 and ~19 ms of a ~380 ms step in the
// bench's profile of 7 December 2026), and the detection loss slices its head's output into
// heatmap, size and offset channels the same way. Here each of the three is a copy of a box from
// one array into another, worked out once as runs of consecutive values (`boxCopy`) and copied by
// one WebAssembly SIMD loop, split over the backend's threads when it is large. Four-byte types
// (float32, int32) only; the rest go to the stock kernels.
import type {
  ConcatAttrs,
  DataType,
  KernelFunc,
  SliceAttrs,
  SplitVAttrs,
  Tensor,
  TensorInfo,
} from '@tensorflow/tfjs';
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
import { replaceStockKernel, stockKernel } from './kernel-helpers.ts';

/** One axis of a box copy outside its runs: how many, and how far apart in each array. */
export interface CopyAxis {
  readonly count: number;
  /** Elements between one run and the next along this axis, in the source and the target. */
  readonly source: number;
  readonly target: number;
}

/** A box copy as runs of `length` consecutive elements in both arrays. */
export interface BoxCopy {
  /** Element offsets of the first run. */
  readonly source: number;
  readonly target: number;
  readonly length: number;
  /** Outermost first; every count above 1, and no two axes that could be one. */
  readonly axes: readonly CopyAxis[];
}

const stridesOf = (shape: readonly number[]): number[] => {
  const strides = Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i] as number;
  }
  return strides;
};

const offsetOf = (begin: readonly number[], strides: readonly number[]): number =>
  begin.reduce((sum, b, i) => sum + b * (strides[i] as number), 0);

/**
 * The copy of the box of shape `size` at `sourceBegin` in an array of `sourceShape` to
 * `targetBegin` in one of `targetShape` (row-major both), as runs: the innermost axis, widened
 * outwards while every axis inside is whole in both arrays; the axes outside it merged where one
 * steps exactly over the next.
 */
export function boxCopy(
  sourceShape: readonly number[],
  sourceBegin: readonly number[],
  targetShape: readonly number[],
  targetBegin: readonly number[],
  size: readonly number[],
): BoxCopy {
  const [ss, ts] = [stridesOf(sourceShape), stridesOf(targetShape)];
  let k = size.length - 1;
  let length = k < 0 ? 1 : (size[k] as number);
  while (k > 0 && size[k] === sourceShape[k] && size[k] === targetShape[k]) {
    k--;
    length *= size[k] as number;
  }
  const axes: CopyAxis[] = [];
  for (let i = 0; i < k; i++) {
    const axis = { count: size[i] as number, source: ss[i] as number, target: ts[i] as number };
    if (axis.count === 1) continue;
    const last = axes.at(-1);
    if (last?.source === axis.count * axis.source && last.target === axis.count * axis.target) {
      axes[axes.length - 1] = { ...axis, count: last.count * axis.count };
    } else axes.push(axis);
  }
  // Runs that follow one another in both arrays are one run.
  for (let inner = axes.at(-1); inner?.source === length && inner.target === length;) {
    axes.pop();
    length *= inner.count;
    inner = axes.at(-1);
  }
  return {
    source: offsetOf(sourceBegin, ss),
    target: offsetOf(targetBegin, ts),
    length,
    axes,
  };
}

// The loop: `blocks` × `rows` runs of `bytes` bytes, rows `srcRow` / `dstRow` bytes apart within a
// block and blocks `srcBlock` / `dstBlock` apart; each run 64 bytes at a time, then 16, then 4.
// Bits are copied as they are (integer loads and stores for the last ones, so no NaN changes).
function copyRowsBody(): number[] {
  const [SRC, DST, BLOCKS, ROWS, BYTES, SRC_ROW, DST_ROW, SRC_BLOCK, DST_BLOCK] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8,
  ];
  const [S, D, R, N] = [9, 10, 11, 12];
  const { get, set } = op;
  const at = (base: number) => [...get(base), ...get(N), ...op.i32Add];
  /** While N + step ≤ BYTES: copy `step` bytes at N, N += step. */
  const stepping = (step: number, move: number[]) => [
    ...op.block,
    ...op.loop,
    ...get(N),
    ...op.i32(step),
    ...op.i32Add,
    ...get(BYTES),
    ...op.i32GtU,
    ...op.brIf(1),
    ...move,
    ...addTo(N, op.i32(step)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const vectors = (count: number) =>
    [...Array(count).keys()].flatMap((u) => [
      ...at(D),
      ...at(S),
      ...op.v128Load(16 * u),
      ...op.v128Store(16 * u),
    ]);
  return [
    ...op.loop,
    ...copy(SRC, S),
    ...copy(DST, D),
    ...copy(ROWS, R),
    ...op.loop,
    ...op.i32(0),
    ...set(N),
    ...stepping(64, vectors(4)),
    ...stepping(16, vectors(1)),
    ...stepping(4, [...at(D), ...at(S), ...op.i32Load(), ...op.i32Store()]),
    ...addTo(S, get(SRC_ROW)),
    ...addTo(D, get(DST_ROW)),
    ...countdown(R),
    ...op.end,
    ...addTo(SRC, get(SRC_BLOCK)),
    ...addTo(DST, get(DST_BLOCK)),
    ...countdown(BLOCKS),
    ...op.end,
  ];
}

export const copyRowsBytes = (shared: boolean): Uint8Array =>
  wasmModuleBytes({
    types: [{ params: Array<ValueType>(9).fill(I32) }],
    functions: [
      { type: 0, locals: Array<ValueType>(4).fill(I32), body: copyRowsBody(), export: 'copyRows' },
    ],
    sharedMemory: shared,
  });

const copyRowsFor = (memory: WasmMemory) =>
  engineLoop(memory, 'box copy', copyRowsBytes, 'copyRows');

/** Below this many elements in one call of the loop it runs on one thread (a split costs ~0.05 ms). */
const MIN_SPLIT_ELEMENTS = 1 << 20;

type Heap = Float32Array | Int32Array;

/** Calls `each` with the source and target offsets of every index of `axes`. */
function forEachIndex(
  axes: readonly CopyAxis[],
  each: (source: number, target: number) => void,
): void {
  const index = axes.map(() => 0);
  let [source, target] = [0, 0];
  for (;;) {
    each(source, target);
    let i = axes.length - 1;
    for (; i >= 0; i--) {
      const axis = axes[i] as CopyAxis;
      if ((index[i] as number) + 1 < axis.count) {
        index[i] = (index[i] as number) + 1;
        source += axis.source;
        target += axis.target;
        break;
      }
      source -= (axis.count - 1) * axis.source;
      target -= (axis.count - 1) * axis.target;
      index[i] = 0;
    }
    if (i < 0) return;
  }
}

let simdCopies = 0;
/** Box copies done by the SIMD loop in this process (tests check the fast path ran). */
export const loopCopies = (): number => simdCopies;

function copyBox(backend: unknown, from: Heap, to: Heap, plan: BoxCopy): void {
  const { length, axes } = plan;
  if (axes.length === 0) {
    to.set(from.subarray(plan.source, plan.source + length), plan.target);
    return;
  }
  const memory = backendMemory(backend);
  const loop = memory === undefined ? undefined : copyRowsFor(memory);
  if (loop === undefined) {
    forEachIndex(axes, (s, t) => {
      const source = plan.source + s;
      to.set(from.subarray(source, source + length), plan.target + t);
    });
    return;
  }
  simdCopies++;
  // The last two axes in the loop (blocks of rows), any outside them here.
  const one: CopyAxis = { count: 1, source: 0, target: 0 };
  const [blocks, rows] = (axes.length === 1 ? [axes[0], one] : axes.slice(-2)) as [
    CopyAxis,
    CopyAxis,
  ];
  const perCall = blocks.count * rows.count * length;
  const threads = perCall < MIN_SPLIT_ELEMENTS ? 1 : engineThreads(backend);
  forEachIndex(axes.slice(0, -2), (s, t) => {
    const source = from.byteOffset + 4 * (plan.source + s);
    const target = to.byteOffset + 4 * (plan.target + t);
    loop.run(
      shares(blocks.count, threads).map(([b0, b1]) => [
        source + 4 * b0 * blocks.source,
        target + 4 * b0 * blocks.target,
        b1 - b0,
        rows.count,
        4 * length,
        4 * rows.source,
        4 * rows.target,
        4 * blocks.source,
        4 * blocks.target,
      ]),
      threads,
    );
  });
}

interface CopyBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** A view of a tensor's bytes on the heap; take it after any allocation (the heap may grow). */
  typedArrayFromHeap(t: TensorInfo): Heap;
}

/** The dtypes copied here: four bytes an element. */
const fourBytes = (dtype: DataType): boolean => dtype === 'float32' || dtype === 'int32';

/** Runs each copy from one tensor into another, with views taken after every allocation. */
function copyAll(
  backend: CopyBackend,
  copies: readonly { from: TensorInfo; to: TensorInfo; plan: BoxCopy }[],
): void {
  for (const { from, to, plan } of copies) {
    copyBox(backend, backend.typedArrayFromHeap(from), backend.typedArrayFromHeap(to), plan);
  }
}

const zeros = (rank: number): number[] => Array<number>(rank).fill(0);

const concatWasm: KernelFunc = (args) => {
  const backend = args.backend as unknown as CopyBackend;
  const all = args.inputs as unknown as TensorInfo[];
  const xs = all.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  const [first] = xs;
  if (first === undefined || xs.length < 2 || xs.some((t) => t.dtype !== first.dtype)) {
    return stockKernel('Concat').kernelFunc(args);
  }
  if (!fourBytes(first.dtype)) return stockKernel('Concat').kernelFunc(args);
  const { axis: axisParam } = args.attrs as unknown as ConcatAttrs;
  const axis = tf.util.parseAxisParam(axisParam, first.shape)[0] as number;
  const shapes = all.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const outShape = tf.backend_util.computeOutShape(shapes, axis);
  const out = backend.makeOutput(outShape, first.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  let at = 0;
  const copies = xs.map((x) => {
    const begin = outShape.map((_, i) => (i === axis ? at : 0));
    at += x.shape[axis] as number;
    return {
      from: x,
      to: out,
      plan: boxCopy(x.shape, zeros(x.shape.length), outShape, begin, x.shape),
    };
  });
  copyAll(backend, copies);
  return out;
};

const splitVWasm: KernelFunc = (args) => {
  const backend = args.backend as unknown as CopyBackend;
  const x = args.inputs['x'];
  if (x === undefined) throw new Error('SplitV needs the input x.');
  if (!fourBytes(x.dtype)) return stockKernel('SplitV').kernelFunc(args);
  const { numOrSizeSplits, axis: axisParam } = args.attrs as unknown as SplitVAttrs;
  const axis = tf.util.parseAxisParam(axisParam, x.shape)[0] as number;
  const sizes = tf.backend_util.prepareSplitSize(x as Tensor, numOrSizeSplits, axis);
  const outs = sizes.map((s) =>
    backend.makeOutput(
      x.shape.map((d, i) => (i === axis ? s : d)),
      x.dtype,
    ),
  );
  let at = 0;
  const copies = outs.flatMap((out) => {
    const begin = x.shape.map((_, i) => (i === axis ? at : 0));
    at += out.shape[axis] as number;
    if (tf.util.sizeFromShape(out.shape) === 0) return [];
    return [
      {
        from: x,
        to: out,
        plan: boxCopy(x.shape, begin, out.shape, zeros(x.shape.length), out.shape),
      },
    ];
  });
  copyAll(backend, copies);
  return outs;
};

const sliceWasm: KernelFunc = (args) => {
  const backend = args.backend as unknown as CopyBackend;
  const x = args.inputs['x'];
  if (x === undefined) throw new Error('Slice needs the input x.');
  if (!fourBytes(x.dtype)) return stockKernel('Slice').kernelFunc(args);
  const { begin, size } = args.attrs as unknown as SliceAttrs;
  const [b, z] = tf.slice_util.parseSliceParams(x as Tensor, begin, size) as [number[], number[]];
  const out = backend.makeOutput(z, x.dtype);
  if (tf.util.sizeFromShape(z) > 0) {
    copyAll(backend, [{ from: x, to: out, plan: boxCopy(x.shape, b, z, zeros(z.length), z) }]);
  }
  return out;
};

/**
 * Replaces the wasm backend's Concat, SplitV and Slice with the box copies. Later calls do
 * nothing.
 */
export function registerWasmBoxCopies(): void {
  replaceStockKernel('Concat', concatWasm, 'needed', 'WebAssembly');
  replaceStockKernel('SplitV', splitVWasm, 'needed', 'WebAssembly');
  replaceStockKernel('Slice', sliceWasm, 'needed', 'WebAssembly');
}
