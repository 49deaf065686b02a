// The Adam step of `fused-adam.ts` as a WebAssembly SIMD loop over the backend's own memory: four
// weights at a time in float32 (`f32x4` multiply, add, square root and divide), where the plain
// JavaScript loop does one at a time in float64 (~10 ns a weight; the reference model's 6.3 M
// weights took ~80 ms a step). The module is a few hundred bytes written by `../emit.ts` and
// imports the memory of the running tfjs-backend-wasm module (shared in its threaded build), so it
// reads and writes tensors where they are.
//
// The lanes compute, in float32 and in this order:
//   m' = β₁·m + (1 − β₁)·g,  v' = β₂·v + (1 − β₂)·g·g,  w' = w − (step·m') / (√(v'·u) + ε)
// with step = rate / (1 − β₁ᵗ) and u = 1 / (1 − β₂ᵗ). The last n mod 4 weights are done in
// JavaScript with each operation rounded to float32, which gives the same bits as a lane.
import { F32, I32, V128, addTo, op, wasmModuleBytes, type WasmMemory } from '../emit.ts';
import { engineLoop, type EngineLoop } from '../parallel.ts';

// Parameters: 8 i32 (offsets of w, m, v, g, w', m', v' in bytes; the byte count done with SIMD),
// then 7 f32 (β₁, 1 − β₁, β₂, 1 − β₂, step, u, ε).
const [W, M, V, G, OW, OM, OV, BYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
const [B1, K1, B2, K2, STEP, U2, EPS] = [8, 9, 10, 11, 12, 13, 14];
// Locals: the byte position, then the splatted constants and the loop's vectors.
const I = 15;
const [SB1, SK1, SB2, SK2, SSTEP, SU2, SEPS, GI, MI, VI] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25];

const { get, set } = op;
/** v128.load / v128.store at (base + i). */
const load = (base: number) => [...get(base), ...get(I), ...op.i32Add, ...op.v128Load()];
const store = (base: number, value: number[]) => [
  ...get(base),
  ...get(I),
  ...op.i32Add,
  ...value,
  ...op.v128Store(),
];
const splat = (from: number, to: number) => [...get(from), ...op.f32x4Splat, ...set(to)];
const { f32x4Mul: MUL, f32x4Add: ADD, f32x4Sub: SUB, f32x4Div: DIV, f32x4Sqrt: SQRT } = op;

function adamBody(): number[] {
  const m1 = [...get(SB1), ...load(M), ...MUL, ...get(SK1), ...get(GI), ...MUL];
  const v1 = [...get(SB2), ...load(V), ...MUL, ...get(SK2), ...get(GI), ...MUL, ...get(GI), ...MUL];
  const w1 = [
    ...load(W),
    ...get(SSTEP),
    ...get(MI),
    ...MUL,
    ...get(VI),
    ...get(SU2),
    ...MUL,
    ...SQRT,
    ...get(SEPS),
    ...ADD,
    ...DIV,
    ...SUB,
  ];
  const loop = [
    ...op.block,
    ...op.loop,
    // Out of the block once i ≥ the bytes to do.
    ...get(I),
    ...get(BYTES),
    ...op.i32GeU,
    ...op.brIf(1),
    ...load(G),
    ...set(GI),
    ...m1,
    ...ADD,
    ...set(MI),
    ...v1,
    ...ADD,
    ...set(VI),
    ...store(OM, get(MI)),
    ...store(OV, get(VI)),
    ...store(OW, w1),
    // i += 16, and round the loop again.
    ...addTo(I, op.i32(16)),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  return [
    ...splat(B1, SB1),
    ...splat(K1, SK1),
    ...splat(B2, SB2),
    ...splat(K2, SK2),
    ...splat(STEP, SSTEP),
    ...splat(U2, SU2),
    ...splat(EPS, SEPS),
    ...loop,
  ];
}

/** The module's bytes; `shared` for the threaded build's shared memory (up to 4 GiB). */
export function adamModuleBytes(shared: boolean): Uint8Array {
  return wasmModuleBytes({
    types: [{ params: [...Array<typeof I32>(8).fill(I32), ...Array<typeof F32>(7).fill(F32)] }],
    functions: [
      {
        type: 0,
        locals: [I32, ...Array<typeof V128>(10).fill(V128)],
        body: adamBody(),
        export: 'adam',
      },
    ],
    sharedMemory: shared,
  });
}

/** The SIMD step as one of the engine's loops over `memory`; undefined where it cannot run. */
export const simdAdamFor = (memory: WasmMemory): EngineLoop | undefined =>
  engineLoop(memory, 'adam', adamModuleBytes, 'adam');
