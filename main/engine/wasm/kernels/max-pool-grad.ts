// tfjs-backend-wasm 4.22's `MaxPoolGrad` is a plain C++ loop that, for every input pixel, walks
// every output window that could hold it and recomputes that window's maximum — in the reference
// model's training step its two calls took ~140 of ~870 ms, on one thread whatever the pool size.
// This kernel makes one pass over the windows instead: for each output pixel it finds the
// position of the window's maximum for all channels at once (the channels are contiguous in NHWC,
// so the inner loop runs over memory in order) and adds dy there. It reads and writes the wasm
// heap in place through typed arrays, so nothing is copied in or out.
//
// The maximum is the first strict one in row-major window order, starting from −∞, as the cpu
// backend's: ties (common after a ReLU) send the gradient to the first of the tied pixels, and a
// window of NaN or −∞ only sends none. Overlapping windows add up in the output.
//
// Measured on the reference model (batch 32, 2×2 windows, stride 2; one thread, busy 2-core
// machine): [32, 64, 64, 32] → 87 ms stock, [32, 32, 32, 64] → 54 ms stock; see README.md (Speed)
// for this kernel's figures.
import type { KernelFunc, MaxPoolGradAttrs } from '@tensorflow/tfjs';
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
import { replaceStockKernel, shape4, type HeapBackend } from './kernel-helpers.ts';
import { engineLoop, engineThreads, shares } from '../parallel.ts';

const OWNER = 'MaxPoolGrad';

const maxPoolGradWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs;
  if (dy === undefined || input === undefined) {
    throw new Error('MaxPoolGrad needs the inputs dy and input.');
  }
  if (dy.dtype !== 'float32' || input.dtype !== 'float32') {
    throw new Error(`MaxPoolGrad on wasm supports float32 only, got ${input.dtype}.`);
  }
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const xShape = shape4(OWNER, input.shape, 'input');
  const info = tf.backend_util.computePool2DInfo(
    xShape,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [batch, outHeight, outWidth, channels] = shape4(OWNER, dy.shape, 'gradient dy');
  if (
    batch !== info.batchSize ||
    outHeight !== info.outHeight ||
    outWidth !== info.outWidth ||
    channels !== info.inChannels
  ) {
    throw new Error(
      `MaxPoolGrad got dy of shape [${dy.shape.join(', ')}], which does not fit the input ` +
        `[${input.shape.join(', ')}] pooled to [${info.outShape.join(', ')}].`,
    );
  }
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([...xShape], 'float32');
  // Views after the allocation: it may have grown (and so replaced) the heap.
  const dx = heap.typedArrayFromHeap(out);
  const x = heap.typedArrayFromHeap(input);
  const g = heap.typedArrayFromHeap(dy);
  if (!runSimd(backend, info, x, g, dx)) {
    dx.fill(0);
    accumulate(x, g, dx, info);
  }
  return out;
};

// The same pass in WebAssembly SIMD, four channels at a time, where every window lies inside the
// input (no padding reaches it) and the channels come in fours: the common 2×2 pool of stride 2
// on even sizes. A first sweep of the window keeps the running strict maximum per lane; a second
// gives each lane's dy to the first pixel equal to it (the first strict maximum), none where it
// stayed −∞. Windows that tile the input exactly store dx directly; others (overlapping, or
// leaving pixels out) add to a zeroed dx in the same order as the loop below, so both give the
// same bits. Images are split over the backend's threads. Channels that do not come in fours
// (the MultiDigits LeNet pools 10: the JavaScript loop took 6.6 ms where 12 channels took 2.1)
// get one more group over the last four channels, overlapping the group before it, where the
// windows tile the input: the overlapped channels are stored again with the same bits.
const [PX, PDY, PDX, NB, OUT_H, OUT_W, GROUPS, SB_X, SY_X, SX_X, TAIL_BACK] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
];
const [DELTA, ROW_B, ROW_Y, PW, P, IB, IY, IX, IG] = [11, 12, 13, 14, 15, 16, 17, 18, 19];
const [BEST, D, TAKEN, MASK] = [20, 21, 22, 23];
const CELL = 24;

function poolGradBody(cells: readonly number[], store: boolean, tail: boolean): number[] {
  const { get, set, tee } = op;
  const dxAt = [...get(P), ...get(DELTA), ...op.i32Add];
  const window = [
    ...op.f32x4Const(Number.NEGATIVE_INFINITY),
    ...set(BEST),
    ...cells.flatMap((offset, c) => [
      ...get(P),
      ...op.v128Load(offset),
      ...tee(CELL + c),
      ...get(BEST),
      ...get(CELL + c),
      ...get(BEST),
      ...op.f32x4Gt,
      ...op.v128Bitselect,
      ...set(BEST),
    ]),
    ...get(PDY),
    ...op.v128Load(),
    ...set(D),
    ...get(BEST),
    ...op.f32x4Const(Number.NEGATIVE_INFINITY),
    ...op.f32x4Eq,
    ...set(TAKEN),
    ...cells.flatMap((offset, c) => [
      ...get(CELL + c),
      ...get(BEST),
      ...op.f32x4Eq,
      ...get(TAKEN),
      ...op.v128Andnot,
      ...tee(MASK),
      ...get(TAKEN),
      ...op.v128Or,
      ...set(TAKEN),
      ...dxAt,
      ...(store ? [] : [...dxAt, ...op.v128Load(offset)]),
      ...get(D),
      ...get(MASK),
      ...op.v128And,
      ...(store ? [] : op.f32x4Add),
      ...op.v128Store(offset),
    ]),
  ];
  return [
    ...get(PDX),
    ...get(PX),
    ...op.i32Sub,
    ...set(DELTA),
    ...copy(PX, ROW_B),
    ...copy(NB, IB),
    ...op.loop,
    ...copy(ROW_B, ROW_Y),
    ...copy(OUT_H, IY),
    ...op.loop,
    ...copy(ROW_Y, PW),
    ...copy(OUT_W, IX),
    ...op.loop,
    ...copy(PW, P),
    ...copy(GROUPS, IG),
    ...op.loop,
    ...window,
    ...addTo(P, op.i32(16)),
    ...addTo(PDY, op.i32(16)),
    ...countdown(IG),
    ...op.end,
    // The last four channels again: back over the part of a group the channels did not fill.
    ...(tail
      ? [
          ...get(P),
          ...get(TAIL_BACK),
          ...op.i32Sub,
          ...set(P),
          ...get(PDY),
          ...get(TAIL_BACK),
          ...op.i32Sub,
          ...set(PDY),
          ...window,
          ...addTo(PDY, op.i32(16)),
        ]
      : []),
    ...addTo(PW, get(SX_X)),
    ...countdown(IX),
    ...op.end,
    ...addTo(ROW_Y, get(SY_X)),
    ...countdown(IY),
    ...op.end,
    ...addTo(ROW_B, get(SB_X)),
    ...countdown(IB),
    ...op.end,
  ];
}

const poolGradFor = (memory: WasmMemory, cells: readonly number[], store: boolean, tail: boolean) =>
  engineLoop(
    memory,
    `max-pool grad ${store ? 'store' : 'add'}${tail ? ' tail' : ''} ${cells.join(',')}`,
    (shared) =>
      wasmModuleBytes({
        types: [{ params: Array<ValueType>(11).fill(I32) }],
        functions: [
          {
            type: 0,
            locals: [
              ...Array<ValueType>(9).fill(I32),
              ...Array<ValueType>(4 + cells.length).fill(V128),
            ],
            body: poolGradBody(cells, store, tail),
            export: 'poolGrad',
          },
        ],
        sharedMemory: shared,
      }),
    'poolGrad',
  );

/** The SIMD pass, where it applies and can run; false otherwise (nothing written). */
function runSimd(
  backend: unknown,
  info: tf.backend_util.Conv2DInfo,
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
): boolean {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const inside =
    top === 0 &&
    left === 0 &&
    (outHeight - 1) * sh + fh <= inHeight &&
    (outWidth - 1) * sw + fw <= inWidth;
  const memory = backendMemory(backend);
  const tiles = sh === fh && sw === fw && outHeight * sh === inHeight && outWidth * sw === inWidth;
  // Channels not in fours: only where a window's pixels are written once (tiles), from four on.
  const tail = C % 4 !== 0;
  if (!inside || (tail && (!tiles || C < 4)) || fh * fw > 16 || memory === undefined) {
    return false;
  }
  if (batchSize === 0 || outHeight === 0 || outWidth === 0 || C === 0) return false;
  const rowBytes = inWidth * C * 4;
  const cells: number[] = [];
  for (let r = 0; r < fh; r++) for (let c = 0; c < fw; c++) cells.push(r * rowBytes + c * C * 4);
  const loop = poolGradFor(memory, cells, tiles, tail);
  if (loop === undefined) return false;
  if (!tiles) dx.fill(0);
  const imageBytes = inHeight * rowBytes;
  const dyImageBytes = outHeight * outWidth * C * 4;
  const argsFor = (b0: number, b1: number) => [
    x.byteOffset + b0 * imageBytes,
    dy.byteOffset + b0 * dyImageBytes,
    dx.byteOffset + b0 * imageBytes,
    b1 - b0,
    outHeight,
    outWidth,
    Math.floor(C / 4),
    imageBytes,
    sh * rowBytes,
    sw * C * 4,
    (4 - (C % 4)) * 4,
  ];
  const threads = engineThreads(backend);
  loop.run(
    shares(batchSize, threads).map(([b0, b1]) => argsFor(b0, b1)),
    threads,
  );
  return true;
}

/**
 * dx[argmax of each window] += dy over every output pixel: the window's in-bounds pixels are listed
 * once, then each channel finds its maximum among them with the running maximum in a local.
 */
function accumulate(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const cells = new Int32Array(filterHeight * filterWidth);
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * C;
    for (let yo = 0; yo < outHeight; yo++) {
      const r0 = Math.max(0, yo * strideHeight - top);
      const r1 = Math.min(inHeight, yo * strideHeight - top + filterHeight);
      for (let xo = 0; xo < outWidth; xo++) {
        const c0 = Math.max(0, xo * strideWidth - left);
        const c1 = Math.min(inWidth, xo * strideWidth - left + filterWidth);
        let n = 0;
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) cells[n++] = xBatch + (r * inWidth + col) * C;
        }
        const dyAt = ((b * outHeight + yo) * outWidth + xo) * C;
        for (let c = 0; c < C; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let where = -1;
          for (let i = 0; i < n; i++) {
            const at = (cells[i] as number) + c;
            const v = x[at] as number;
            if (v > best) {
              best = v;
              where = at;
            }
          }
          if (where >= 0) dx[where] = (dx[where] as number) + (dy[dyAt + c] as number);
        }
      }
    }
  }
}

/**
 * Replaces the wasm backend's `MaxPoolGrad` with the one-pass kernel above. Safe to call more
 * than once; later calls do nothing.
 */
export function registerWasmMaxPoolGrad(): void {
  replaceStockKernel('MaxPoolGrad', maxPoolGradWasm, 'optional', 'WebAssembly');
}
