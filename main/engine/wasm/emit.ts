// A small writer of WebAssembly binaries, for the engine's SIMD loops over the tfjs-backend-wasm
// module's memory (the Adam step, the matrix products): each is a few hundred bytes written out by
// code here, so no compiler is needed to build the studio. Only what those loops use is here: one
// imported memory, i32 / f32 / v128 locals, blocks and loops, calls through a table, loads and
// stores with constant offsets, and the f32x4 arithmetic.
import v8 from 'node:v8';

/** Unsigned LEB128, as the binary format writes sizes, indices and offsets. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128, as `i32.const` writes its value. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const utf8 = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof V128;

/** Instructions, as byte arrays to spread into a function body. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  call: (fn: number) => [0x10, ...uleb(fn)],
  /** A call through table 0 to a function of type `type`, its index on top of the stack. */
  callIndirect: (type: number) => [0x11, ...uleb(type), 0x00],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32: (n: number) => [0x41, ...sleb(n)],
  f32: (x: number) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)],
  i32Eqz: [0x45],
  i32Ne: [0x47],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  select: [0x1b],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  /** Loads and stores at (address on the stack) + a constant byte offset; 4-byte alignment hint. */
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  /** Four bytes as they are (a float's bits, NaN payloads included). */
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...uleb(offset)],
  v128Load: (offset = 0) => [0xfd, ...uleb(0x00), 2, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, ...uleb(0x0b), 2, ...uleb(offset)],
  /** One float32 from memory in all four lanes. */
  v128Load32Splat: (offset = 0) => [0xfd, ...uleb(0x09), 2, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(0x0c), ...Array<number>(16).fill(0)],
  /** Four lanes of the float32 `x`. */
  f32x4Const: (x: number) => [
    0xfd,
    ...uleb(0x0c),
    ...new Uint8Array(Float32Array.of(x, x, x, x).buffer),
  ],
  /** Two float32 from memory into the low lanes, zeros above. */
  v128Load64Zero: (offset = 0) => [0xfd, ...uleb(0x5d), 2, ...uleb(offset)],
  f64x2PromoteLow: [0xfd, ...uleb(0x5f)],
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2Sub: [0xfd, ...uleb(0xf1)],
  f64x2Mul: [0xfd, ...uleb(0xf2)],
  i32LtS: [0x48],
  i32GtU: [0x4b],
  f32x4Eq: [0xfd, ...uleb(0x41)],
  f32x4Ne: [0xfd, ...uleb(0x42)],
  f32x4Gt: [0xfd, ...uleb(0x44)],
  v128And: [0xfd, ...uleb(0x4e)],
  /** a & ~b */
  v128Andnot: [0xfd, ...uleb(0x4f)],
  v128Or: [0xfd, ...uleb(0x50)],
  /** (a & mask) | (b & ~mask), the mask on top. */
  v128Bitselect: [0xfd, ...uleb(0x52)],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  f32x4ExtractLane: (lane: number) => [0xfd, ...uleb(0x1f), lane],
  f32x4Abs: [0xfd, ...uleb(0xe0)],
  f32x4Neg: [0xfd, ...uleb(0xe1)],
  f32x4Sqrt: [0xfd, ...uleb(0xe3)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Sub: [0xfd, ...uleb(0xe5)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  f32x4Div: [0xfd, ...uleb(0xe7)],
  /** IEEE maximum: NaN where either lane is NaN, and +0 above −0. */
  f32x4Max: [0xfd, ...uleb(0xe9)],
  /**
   * a·b + c from relaxed SIMD (a, b, c on the stack in that order): one fused multiply-add where
   * the CPU has it, so the result may differ from f32x4Mul then f32x4Add in the last bit.
   */
  f32x4RelaxedMadd: [0xfd, ...uleb(0x105)],
} as const;

/** `local = from`. */
export const copy = (from: number, to: number): number[] => [...op.get(from), ...op.set(to)];

/** `local += value` (i32; `value` the instructions that push it). */
export const addTo = (local: number, value: readonly number[]): number[] => [
  ...op.get(local),
  ...value,
  ...op.i32Add,
  ...op.set(local),
];

/** Pushes `base + index · stride` (i32; `stride` the instructions that push it). */
export const indexed = (base: number, index: number, stride: readonly number[]): number[] => [
  ...op.get(base),
  ...op.get(index),
  ...stride,
  ...op.i32Mul,
  ...op.i32Add,
];

/** `counter -= 1`, then back to the start of the enclosing loop while it is not zero. */
export const countdown = (counter: number): number[] => [
  ...op.get(counter),
  ...op.i32(1),
  ...op.i32Sub,
  ...op.tee(counter),
  ...op.brIf(0),
];

export interface WasmFunction {
  /** Index into the module's `types`. */
  readonly type: number;
  /** Locals beyond the parameters, in order. */
  readonly locals: readonly ValueType[];
  /** The instructions, without the final `end`. */
  readonly body: readonly number[];
  /** Exported under this name. */
  readonly export?: string;
}

export interface WasmModuleSpec {
  readonly types: readonly { readonly params: readonly ValueType[] }[];
  readonly functions: readonly WasmFunction[];
  /** Function indices placed in table 0 from slot 0, for `callIndirect`. */
  readonly table?: readonly number[];
  /** The memory comes in as env.memory; `shared` for the threaded build's (up to 4 GiB). */
  readonly sharedMemory: boolean;
}

/** Run-length locals, as the code section groups them. */
function localGroups(locals: readonly ValueType[]): number[][] {
  const groups: { count: number; type: ValueType }[] = [];
  for (const type of locals) {
    const last = groups.at(-1);
    if (last?.type === type) last.count++;
    else groups.push({ count: 1, type });
  }
  return groups.map((g) => [...uleb(g.count), g.type]);
}

/** The bytes of a module importing env.memory and exporting the named functions. */
export function wasmModuleBytes(spec: WasmModuleSpec): Uint8Array {
  const types = spec.types.map((t) => [0x60, ...vector(t.params.map((p) => [p])), 0]);
  const limits = spec.sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = vector([[...utf8('env'), ...utf8('memory'), 0x02, ...limits]]);
  const exports = spec.functions.flatMap((f, i) =>
    f.export === undefined ? [] : [[...utf8(f.export), 0x00, ...uleb(i)]],
  );
  const code = spec.functions.map((f) => {
    const body = [...vector(localGroups(f.locals)), ...f.body, ...op.end];
    return [...uleb(body.length), ...body];
  });
  const table = spec.table ?? [];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, imports),
    ...section(3, vector(spec.functions.map((f) => uleb(f.type)))),
    ...(table.length > 0 ? section(4, vector([[0x70, 0x00, ...uleb(table.length)]])) : []),
    ...section(7, vector(exports)),
    ...(table.length > 0
      ? section(9, vector([[0x00, ...op.i32(0), ...op.end, ...vector(table.map((i) => uleb(i)))]]))
      : []),
    ...section(10, vector(code)),
  ]);
}

/** The parts of the WebAssembly API used here (the project's TypeScript libraries lack them). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const isWasmMemory = (x: unknown): x is WasmMemory => x instanceof wasm.Memory;

/** A module of one function that returns relaxed_madd of three zero vectors. */
const RELAXED_PROBE = wasmProbe();
function wasmProbe(): Uint8Array {
  const zero = op.v128Zero;
  const body = [0, ...zero, ...zero, ...zero, ...op.f32x4RelaxedMadd, ...op.end];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, 0, 1, V128]])),
    ...section(3, vector([[0]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

let relaxed: boolean | undefined;

/**
 * Whether this engine runs relaxed SIMD (`f32x4.relaxed_madd`, fused multiply-add). Electron 45
 * and Node 22 have it on; Node 20 has it behind `--experimental-wasm-relaxed-simd`, which is
 * turned on here, once, before any module that uses it is compiled (V8 reads its WebAssembly
 * feature flags when it compiles a module; Node 22 and later never get here).
 */
export function relaxedSimd(): boolean {
  if (relaxed !== undefined) return relaxed;
  relaxed = wasm.validate(RELAXED_PROBE);
  if (!relaxed && typeof process !== 'undefined' && process.versions.node !== undefined) {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxed = wasm.validate(RELAXED_PROBE);
  }
  return relaxed;
}

export const isSharedMemory = (memory: WasmMemory): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;

/**
 * The module's exports over `memory`, or why it cannot run there (no SIMD in this engine, a memory
 * that cannot be imported, a module the engine wrote wrong): callers then take their plain path,
 * and keep the reason so a test or the bench can tell a fallback from the fast path.
 */
export function instantiateOver(
  memory: WasmMemory,
  bytes: (shared: boolean) => Uint8Array,
):
  | { readonly module: object; readonly exports: Record<string, unknown> }
  | { readonly error: string } {
  try {
    const module = new wasm.Module(bytes(isSharedMemory(memory)));
    return { module, exports: new wasm.Instance(module, { env: { memory } }).exports };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The tfjs-backend-wasm module's memory: its own in the threaded build, exported otherwise. */
export function backendMemory(backend: unknown): WasmMemory | undefined {
  const module = (backend as { wasm?: { wasmMemory?: unknown; asm?: { memory?: unknown } } }).wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  return isWasmMemory(memory) ? memory : undefined;
}
