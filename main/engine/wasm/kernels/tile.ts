// tfjs-backend-wasm 4.22's `Tile` is a C++ loop that works out every output element's source
// index, one element at a time on one thread. BatchNormalization's input gradient tiles a
// [1, 1, 1, C] vector to [N, H, W, 1] — a copy of the whole activation — once per layer; in the
// strong digits template's step its four calls were 45 % of the kernel time (the bench's profile
// of 6 December 2026). Where the repeats are all on leading axes of size 1 (and the first longer
// one), the output is the input repeated whole, end to end: one copy, then copies that double what is written. Every
// other tile goes to the stock kernel.
import type { KernelFunc, TileAttrs } from '@tensorflow/tfjs';
import { replaceStockKernel, stockKernel, type HeapBackend } from './kernel-helpers.ts';

/** How many times the whole input repeats end to end in the tile, if it does. */
export function wholeRepeats(
  shape: readonly number[],
  reps: readonly number[],
): number | undefined {
  if (reps.length !== shape.length) return undefined;
  // Axes up to the first one longer than 1 may repeat (each repeat of them is the whole input
  // again); any axis after it may not.
  let k = 0;
  while (k < shape.length && shape[k] === 1) k++;
  let times = 1;
  for (let i = 0; i < reps.length; i++) {
    const r = reps[i] as number;
    if (i <= k) times *= r;
    else if (r !== 1) return undefined;
  }
  return times;
}

let copied = 0;
/** Tiles done as whole copies in this process (tests check the fast path ran). */
export const wholeTiles = (): number => copied;

const tileWasm: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args;
  const x = inputs['x'];
  if (x === undefined) throw new Error('Tile needs the input x.');
  const { reps } = attrs as unknown as TileAttrs;
  const times = x.dtype === 'float32' ? wholeRepeats(x.shape, reps) : undefined;
  if (times === undefined || times <= 1) return stockKernel('Tile').kernelFunc(args);
  copied++;
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput(
    x.shape.map((d, i) => d * (reps[i] as number)),
    'float32',
  );
  // Views after the allocation: it may have grown (and so replaced) the heap.
  const source = heap.typedArrayFromHeap(x);
  const target = heap.typedArrayFromHeap(out);
  const size = source.length;
  target.set(source);
  for (let written = size; written < target.length; written *= 2) {
    target.copyWithin(written, 0, Math.min(written, target.length - written));
  }
  return out;
};

/** Replaces the wasm backend's `Tile` with one that copies whole repeats. Later calls do nothing. */
export function registerWasmTile(): void {
  replaceStockKernel('Tile', tileWasm, 'needed', 'memory');
}
