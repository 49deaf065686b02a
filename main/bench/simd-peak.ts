/**
 * The arithmetic rate one core really sustains in WebAssembly SIMD, measured: the share-of-peak
 * figures of the twin table divide by it. The clock × ports estimate (flops.ts' machinePeak)
 * assumed two vector instructions a cycle at the reported clock, 16 GFLOP/s a core on the 2-core
 * build machine, but the engine's own product runs at 10–12 GMAC/s (20–24 GFLOP/s) on one thread
 * there: its cores issue more than that, or run above the reported clock. So the bench times
 * independent chains of f32x4 multiplies and adds (and of relaxed SIMD's fused multiply-add) with
 * nothing but registers: what no real kernel can exceed.
 */
import {
  I32,
  V128,
  countdown,
  instantiateOver,
  op,
  relaxedSimd,
  wasmModuleBytes,
  type ValueType,
  type WasmMemory,
} from '../engine/wasm/emit.ts';

/** A page of plain memory for the loop's stores (the project's TypeScript libraries lack the WebAssembly API). */
const newMemory = (): WasmMemory =>
  new (
    globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => WasmMemory } }
  ).WebAssembly.Memory({ initial: 1 });

/** Independent chains a loop turn: enough to hide the units' latency, few enough to stay in x86's 16 vector registers (14 spilled: a third of the rate). */
const CHAINS = 12;

/** One loop turn: CHAINS independent f32x4 operations, half multiplies and half adds, or all FMA. */
function chainBody(fma: boolean): number[] {
  const { get, set } = op;
  const [N, M, A] = [0, 1, 2];
  const v = (i: number) => 3 + i;
  const turn = Array.from({ length: CHAINS }, (_, i) =>
    fma
      ? [...get(v(i)), ...get(M), ...get(A), ...op.f32x4RelaxedMadd, ...set(v(i))]
      : i % 2 === 0
        ? [...get(v(i)), ...get(M), ...op.f32x4Mul, ...set(v(i))]
        : [...get(v(i)), ...get(A), ...op.f32x4Add, ...set(v(i))],
  ).flat();
  return [
    ...op.f32x4Const(1),
    ...set(M),
    ...op.f32x4Const(0),
    ...set(A),
    ...Array.from({ length: CHAINS }, (_, i) => [...op.f32x4Const(i + 1), ...set(v(i))]).flat(),
    ...op.loop,
    ...turn,
    ...countdown(N),
    ...op.end,
    // Every chain's value is stored, so none of the work can be left out.
    ...Array.from({ length: CHAINS }, (_, i) => [
      ...op.i32(0),
      ...get(v(i)),
      ...op.v128Store(16 * i),
    ]).flat(),
  ];
}

export const peakModuleBytes = (fma: boolean): Uint8Array =>
  wasmModuleBytes({
    types: [{ params: [I32] }],
    functions: [
      {
        type: 0,
        locals: Array<ValueType>(2 + CHAINS).fill(V128),
        body: chainBody(fma),
        export: 'chains',
      },
    ],
    sharedMemory: false,
  });

/** FLOP a loop turn: 4 lanes an operation, 2 a lane for a fused multiply-add. */
export const flopsPerTurn = (fma: boolean): number => CHAINS * 4 * (fma ? 2 : 1);

/** GFLOP/s of one core: the fastest of `tries` timed runs of about `ms` each. */
function rate(fma: boolean, ms: number, tries: number): number {
  const built = instantiateOver(newMemory(), () => peakModuleBytes(fma));
  if ('error' in built) throw new Error(`The SIMD peak loop did not compile: ${built.error}`);
  const chains = built.exports.chains as (turns: number) => void;
  let turns = 1000;
  for (;;) {
    const start = performance.now();
    chains(turns);
    const took = performance.now() - start;
    if (took > ms / 4 || turns > 1e9) {
      turns = Math.max(1, Math.round((turns * ms) / Math.max(took, 1e-3)));
      break;
    }
    turns *= 8;
  }
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < tries; i++) {
    const start = performance.now();
    chains(turns);
    best = Math.min(best, performance.now() - start);
  }
  return (turns * flopsPerTurn(fma)) / (best / 1000) / 1e9;
}

export interface SimdPeak {
  /** GFLOP/s of one core, multiplies and adds as separate instructions. */
  readonly plain: number;
  /** GFLOP/s of one core with relaxed SIMD's fused multiply-add; undefined without relaxed SIMD. */
  readonly fma?: number;
}

/** One core's measured SIMD rate (about a quarter of a second). */
export function measureSimdPeak(ms = 20, tries = 5): SimdPeak {
  const plain = rate(false, ms, tries);
  return relaxedSimd() ? { plain, fma: rate(true, ms, tries) } : { plain };
}
