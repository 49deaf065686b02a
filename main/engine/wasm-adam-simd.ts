// The Adam step of `fused-adam.ts` as a WebAssembly SIMD loop over the backend's own memory: four
// weights at a time in float32 (`f32x4` multiply, add, square root and divide), where the plain
// JavaScript loop does one at a time in float64 (~10 ns a weight; the reference model's 6.3 M
// weights took ~80 ms a step). The module is a few hundred bytes written out below — no compiler
// is needed to build the studio — and imports the memory of the running tfjs-backend-wasm module
// (shared in its threaded build), so it reads and writes tensors where they are.
//
// The lanes compute, in float32 and in this order:
//   m' = β₁·m + (1 − β₁)·g,  v' = β₂·v + (1 − β₂)·g·g,  w' = w − (step·m') / (√(v'·u) + ε)
// with step = rate / (1 − β₁ᵗ) and u = 1 / (1 − β₂ᵗ). The last n mod 4 weights are done in
// JavaScript with each operation rounded to float32, which gives the same bits as a lane.

/** Unsigned LEB128, as the binary format writes sizes and indices. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const utf8 = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

// Parameters: 8 i32 (offsets of w, m, v, g, w', m', v' in bytes; the byte count done with SIMD),
// then 7 f32 (β₁, 1 − β₁, β₂, 1 − β₂, step, u, ε).
const [W, M, V, G, OW, OM, OV, BYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
const [B1, K1, B2, K2, STEP, U2, EPS] = [8, 9, 10, 11, 12, 13, 14];
// Locals: the byte position, then the splatted constants and the loop's vectors.
const I = 15;
const [SB1, SK1, SB2, SK2, SSTEP, SU2, SEPS, GI, MI, VI] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25];

const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const BR = (depth: number) => [0x0c, ...uleb(depth)];
const BR_IF = (depth: number) => [0x0d, ...uleb(depth)];
const I32_CONST = (n: number) => [0x41, ...uleb(n)]; // n < 64: the signed LEB128 is the same
const I32_ADD = 0x6a;
const I32_GE_U = 0x4f;
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const simd = (op: number) => [0xfd, ...uleb(op)];
/** v128.load / v128.store at (base + i), 4-byte alignment hint, no offset. */
const load = (base: number) => [...get(base), ...get(I), I32_ADD, ...simd(0x00), 2, 0];
const store = (base: number, value: number[]) => [
  ...get(base),
  ...get(I),
  I32_ADD,
  ...value,
  ...simd(0x0b),
  2,
  0,
];
const splat = (from: number, to: number) => [...get(from), ...simd(0x13), ...set(to)];
const [SQRT, ADD, SUB, MUL, DIV] = [0xe3, 0xe4, 0xe5, 0xe6, 0xe7];

function adamBody(): number[] {
  const m1 = [...get(SB1), ...load(M), ...simd(MUL), ...get(SK1), ...get(GI), ...simd(MUL)];
  const v1 = [
    ...get(SB2),
    ...load(V),
    ...simd(MUL),
    ...get(SK2),
    ...get(GI),
    ...simd(MUL),
    ...get(GI),
    ...simd(MUL),
  ];
  const w1 = [
    ...load(W),
    ...get(SSTEP),
    ...get(MI),
    ...simd(MUL),
    ...get(VI),
    ...get(SU2),
    ...simd(MUL),
    ...simd(SQRT),
    ...get(SEPS),
    ...simd(ADD),
    ...simd(DIV),
    ...simd(SUB),
  ];
  const loop = [
    ...BLOCK,
    ...LOOP,
    // Out of the block once i ≥ the bytes to do.
    ...get(I),
    ...get(BYTES),
    I32_GE_U,
    ...BR_IF(1),
    ...load(G),
    ...set(GI),
    ...m1,
    ...simd(ADD),
    ...set(MI),
    ...v1,
    ...simd(ADD),
    ...set(VI),
    ...store(OM, get(MI)),
    ...store(OV, get(VI)),
    ...store(OW, w1),
    // i += 16, and round the loop again.
    ...get(I),
    ...I32_CONST(16),
    I32_ADD,
    ...set(I),
    ...BR(0),
    END,
    END,
  ];
  const body = [
    ...splat(B1, SB1),
    ...splat(K1, SK1),
    ...splat(B2, SB2),
    ...splat(K2, SK2),
    ...splat(STEP, SSTEP),
    ...splat(U2, SU2),
    ...splat(EPS, SEPS),
    ...loop,
    END,
  ];
  // Locals: 1 i32, 10 v128.
  const locals = vector([
    [1, I32],
    [10, V128],
  ]);
  return [...locals, ...body];
}

/** The module's bytes; `shared` for the threaded build's shared memory (up to 4 GiB). */
export function adamModuleBytes(shared: boolean): Uint8Array {
  const type = [0x60, ...vector([...Array(8).fill([I32]), ...Array(7).fill([F32])]), 0];
  // A memory import of at least 1 page; shared memory must state a maximum.
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = vector([[...utf8('env'), ...utf8('memory'), 0x02, ...limits]]);
  const code = adamBody();
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector([type])),
    ...section(2, imports),
    ...section(3, vector([[0]])),
    ...section(7, vector([[...utf8('adam'), 0x00, 0]])),
    ...section(10, vector([[...uleb(code.length), ...code]])),
  ]);
}

type AdamExport = (
  w: number,
  m: number,
  v: number,
  g: number,
  ow: number,
  om: number,
  ov: number,
  bytes: number,
  b1: number,
  k1: number,
  b2: number,
  k2: number,
  step: number,
  u2: number,
  eps: number,
) => void;

/** The parts of the WebAssembly API used here (the project's TypeScript libraries lack them). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const isWasmMemory = (x: unknown): x is WasmMemory => x instanceof wasm.Memory;

const instances = new WeakMap<WasmMemory, AdamExport | null>();

/**
 * The SIMD step bound to a backend's memory, or undefined where it cannot run (no SIMD, a
 * memory that cannot be imported): the caller then uses the JavaScript loop.
 */
export function simdAdamFor(memory: WasmMemory): AdamExport | undefined {
  const known = instances.get(memory);
  if (known !== undefined) return known ?? undefined;
  let fn: AdamExport | null = null;
  try {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = new wasm.Module(adamModuleBytes(shared));
    const instance = new wasm.Instance(module, { env: { memory } });
    fn = instance.exports['adam'] as AdamExport;
  } catch {
    fn = null;
  }
  instances.set(memory, fn);
  return fn ?? undefined;
}
