// Matrix products as WebAssembly SIMD loops over the backend's memory, for the products XNNPACK
// does slowly in training: those with a long sum (the forward Dense over a 16384-wide Flatten,
// K = 16384; a convolution's filter gradient, summed over every output pixel of the batch).
// XNNPACK packs its second operand on every call (training makes new weights each step) and then
// streams the whole sum for each 4×8 block of the result, so these ran at 1-2 GMAC/s against
// ~9 for a convolution. Here the sum is cut into blocks that stay in the cache (a block of K for
// a Dense layer, one image for a filter gradient), nothing is packed, and each 4×8 block of the
// result is held in eight f32x4 registers over its block of the sum.
//
// One routine covers both: for m < M and n in [n0, n1),
//   C[m, n] (+)= Σ_{i<nb} Σ_{y<ny} Σ_{x<nx} A[a + i·sbA + y·syA + x·sxA + m·ams] · B[b + i·sbB + y·syB + x·sxB + 4n]
// (byte offsets; C[m, n] at c + m·ldc + 4n). B and C are contiguous along n (the SIMD lanes);
// A is read one float at a time, broadcast to four lanes, at any strides, so a transposed A or a
// convolution's input windows need no copy. `ams` is a constant of the module (one module per
// value, made once). Every element of C is summed in the same order whatever the blocks and
// whichever thread computes it, so results do not depend on the thread count.
//
// Where the engine has relaxed SIMD (relaxedSimd), the vector tiles add each product with one fused
// multiply-add (`f32x4.relaxed_madd`) instead of a multiply then an add: half the arithmetic
// instructions in the inner loop, and one rounding instead of two, so results differ from the
// plain tiles in the last bits (the tests bound by how much). The one-float tiles (the last
// columns of an n that is not a multiple of 4) stay plain: scalar WebAssembly has no FMA.
import { engineLoop, shares } from '../parallel.ts';
import {
  F32,
  I32,
  V128,
  addTo,
  copy,
  countdown,
  indexed,
  op,
  relaxedSimd,
  wasmModuleBytes,
  type ValueType,
  type WasmMemory,
} from '../emit.ts';

const { get, set, tee } = op;

/** Rows of C a tile holds. */
export const TILE_ROWS = 4;

/** Column widths of the tiles: two vectors, one vector, one float. */
const KINDS = [
  { width: 8, vectors: 2 },
  { width: 4, vectors: 1 },
  { width: 1, vectors: 0 },
] as const;

// The tile's parameters, then its locals.
const [A, B, C, LDC, NY, SYA, SYB, NX, SXA, SXB, INIT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const TILE_PARAMS = 11;
const [PA_ROW, PB_ROW, PA, PB, IY, IX] = [11, 12, 13, 14, 15, 16];
const FIRST_VALUE = 17;

/**
 * A tile of `rows` × `kind.width` of C: its accumulators stay in locals over the whole sum. With
 * `transposedC`, C is stored transposed (C[m, n] at c + n·ldc + 4m) and always overwritten: the
 * tile writes its values one float at a time, a column of C being a row of what is stored.
 */
function tileFunction(
  rows: number,
  kind: (typeof KINDS)[number],
  ams: number,
  fma: boolean,
  transposedC: boolean,
) {
  const lanes = Math.max(1, kind.vectors);
  const vector = kind.vectors > 0;
  const type: ValueType = vector ? V128 : F32;
  const acc = (r: number, v: number) => FIRST_VALUE + r * lanes + v;
  const bReg = FIRST_VALUE + rows * lanes;
  const aReg = bReg + lanes;
  const rowAddress = (r: number) => [
    ...get(C),
    ...get(LDC),
    ...op.i32(r),
    ...op.i32Mul,
    ...op.i32Add,
  ];
  const cells = [...Array(rows).keys()].flatMap((r) => [...Array(lanes).keys()].map((v) => [r, v]));
  const zero = vector ? op.v128Zero : op.f32(0);
  const load = (offset: number) => (vector ? op.v128Load(offset) : op.f32Load(offset));
  const mul = vector ? op.f32x4Mul : op.f32Mul;
  const add = vector ? op.f32x4Add : op.f32Add;
  const zeroAll = cells.flatMap(([r, v]) => [...zero, ...set(acc(r!, v!))]);
  // Column j of the tile, r of its rows, as stored transposed.
  const storeTransposed = [...Array(kind.width).keys()].flatMap((j) =>
    [...Array(rows).keys()].flatMap((r) => [
      ...get(C),
      ...get(LDC),
      ...op.i32(j),
      ...op.i32Mul,
      ...op.i32Add,
      ...get(acc(r, j >> 2)),
      ...(vector ? op.f32x4ExtractLane(j & 3) : []),
      ...op.f32Store(r * 4),
    ]),
  );
  const body = [
    ...(transposedC
      ? zeroAll
      : [
          ...get(INIT),
          ...op.if,
          ...zeroAll,
          ...op.else,
          ...cells.flatMap(([r, v]) => [...rowAddress(r!), ...load(v! * 16), ...set(acc(r!, v!))]),
          ...op.end,
        ]),
    ...copy(A, PA_ROW),
    ...copy(B, PB_ROW),
    ...copy(NY, IY),
    ...op.loop,
    ...copy(PA_ROW, PA),
    ...copy(PB_ROW, PB),
    ...copy(NX, IX),
    ...op.loop,
    ...[...Array(lanes).keys()].flatMap((v) => [...get(PB), ...load(v * 16), ...set(bReg + v)]),
    ...[...Array(rows).keys()].flatMap((r) => [
      ...get(PA),
      ...(vector ? op.v128Load32Splat(r * ams) : op.f32Load(r * ams)),
      ...set(aReg),
      ...[...Array(lanes).keys()].flatMap((v) => [
        ...(vector && fma
          ? [...get(aReg), ...get(bReg + v), ...get(acc(r, v)), ...op.f32x4RelaxedMadd]
          : [...get(acc(r, v)), ...get(aReg), ...get(bReg + v), ...mul, ...add]),
        ...set(acc(r, v)),
      ]),
    ]),
    ...addTo(PA, get(SXA)),
    ...addTo(PB, get(SXB)),
    ...countdown(IX),
    ...op.end,
    ...addTo(PA_ROW, get(SYA)),
    ...addTo(PB_ROW, get(SYB)),
    ...countdown(IY),
    ...op.end,
    ...(transposedC
      ? storeTransposed
      : cells.flatMap(([r, v]) => [
          ...rowAddress(r!),
          ...get(acc(r!, v!)),
          ...(vector ? op.v128Store(v! * 16) : op.f32Store(v! * 16)),
        ])),
  ];
  const locals: ValueType[] = [
    ...Array<ValueType>(6).fill(I32),
    ...Array<ValueType>(rows * lanes + lanes + 1).fill(type),
  ];
  return { type: 0, locals, body };
}

// The driver's parameters: a, b, c, ldc, m, n0, n1, nb, sbA, sbB, ny, syA, syB, nx, sxA, sxB,
// accumulate, mp (rows of C a panel), ng, sgA, sgC (groups); then its locals.
const D = {
  a: 0,
  b: 1,
  c: 2,
  ldc: 3,
  m: 4,
  n0: 5,
  n1: 6,
  nb: 7,
  sbA: 8,
  sbB: 9,
  ny: 10,
  syA: 11,
  syB: 12,
  nx: 13,
  sxA: 14,
  sxB: 15,
  accumulate: 16,
  mp: 17,
  ng: 18,
  sgA: 19,
  sgC: 20,
  ib: 21,
  n: 22,
  mi: 23,
  left: 24,
  init: 25,
  ab: 26,
  bb: 27,
  mo: 28,
  rows: 29,
  ap: 30,
  cp: 31,
  ig: 32,
} as const;
const DRIVER_PARAMS = 21;

/**
 * The groups (each a product of its own: A and C move on by sgA and sgC bytes), then panels of
 * `mp` rows of C, then in each the blocks of the sum, the column tiles and the row
 * tiles, each tile through the table. A panel keeps the part of C it writes (and A's rows for it)
 * in the cache while every column tile passes over it: a product with many rows and a short sum
 * (a Dense layer's weight gradient, [16384, 32]·[32, 256]) then writes C once, row after row,
 * instead of once for each column tile.
 */
function driverFunction(ams: number, transposedC: boolean) {
  // Bytes from one row of C to the next, and from one column to the next.
  const rowStride = transposedC ? op.i32(4) : get(D.ldc);
  const columnStride = transposedC ? get(D.ldc) : op.i32(4);
  const rowsLeft = [...get(D.rows), ...get(D.mi), ...op.i32Sub];
  const wide = (w: number) => [...get(D.left), ...op.i32(w), ...op.i32GeU];
  const panelLeft = [...get(D.m), ...get(D.mo), ...op.i32Sub];
  const body = [
    ...op.i32(0),
    ...set(D.ig),
    ...op.loop,
    ...op.i32(0),
    ...set(D.mo),
    ...op.loop,
    // rows = min(mp, m − mo); the panel's A and C.
    ...get(D.mp),
    ...panelLeft,
    ...get(D.mp),
    ...panelLeft,
    ...op.i32LtU,
    ...op.select,
    ...set(D.rows),
    ...indexed(D.a, D.mo, op.i32(ams)),
    ...set(D.ap),
    ...indexed(D.c, D.mo, rowStride),
    ...set(D.cp),
    ...op.i32(0),
    ...set(D.ib),
    ...op.loop,
    // init: the first block of a product that does not add to C.
    ...get(D.ib),
    ...op.i32Eqz,
    ...get(D.accumulate),
    ...op.i32Eqz,
    ...op.i32And,
    ...set(D.init),
    ...indexed(D.ap, D.ib, get(D.sbA)),
    ...set(D.ab),
    ...indexed(D.b, D.ib, get(D.sbB)),
    ...set(D.bb),
    ...copy(D.n0, D.n),
    ...op.block,
    ...op.loop,
    ...get(D.n),
    ...get(D.n1),
    ...op.i32GeU,
    ...op.brIf(1),
    ...get(D.n1),
    ...get(D.n),
    ...op.i32Sub,
    ...set(D.left),
    ...op.i32(0),
    ...set(D.mi),
    ...op.block,
    ...op.loop,
    ...get(D.mi),
    ...get(D.rows),
    ...op.i32GeU,
    ...op.brIf(1),
    // The tile's arguments.
    ...indexed(D.ab, D.mi, op.i32(ams)),
    ...indexed(D.bb, D.n, op.i32(4)),
    ...indexed(D.cp, D.mi, rowStride),
    ...get(D.n),
    ...columnStride,
    ...op.i32Mul,
    ...op.i32Add,
    ...[D.ldc, D.ny, D.syA, D.syB, D.nx, D.sxA, D.sxB, D.init].flatMap((p) => get(p)),
    // Table slot: kind · TILE_ROWS + rows − 1.
    ...op.i32(0),
    ...op.i32(1 * TILE_ROWS),
    ...op.i32(2 * TILE_ROWS),
    ...wide(4),
    ...op.select,
    ...wide(8),
    ...op.select,
    ...op.i32(TILE_ROWS),
    ...rowsLeft,
    ...rowsLeft,
    ...op.i32(TILE_ROWS),
    ...op.i32GeU,
    ...op.select,
    ...op.i32Add,
    ...op.i32(1),
    ...op.i32Sub,
    ...op.callIndirect(0),
    ...addTo(D.mi, op.i32(TILE_ROWS)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // n += the tile's width.
    ...get(D.n),
    ...op.i32(8),
    ...op.i32(4),
    ...op.i32(1),
    ...wide(4),
    ...op.select,
    ...wide(8),
    ...op.select,
    ...op.i32Add,
    ...set(D.n),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...get(D.ib),
    ...op.i32(1),
    ...op.i32Add,
    ...tee(D.ib),
    ...get(D.nb),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...addTo(D.mo, get(D.mp)),
    ...get(D.mo),
    ...get(D.m),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...addTo(D.a, get(D.sgA)),
    ...addTo(D.c, get(D.sgC)),
    ...get(D.ig),
    ...op.i32(1),
    ...op.i32Add,
    ...tee(D.ig),
    ...get(D.ng),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
  ];
  return {
    type: 1,
    locals: Array<ValueType>(12).fill(I32),
    body,
    export: 'gemm',
  };
}

/**
 * The module for one `ams`: 12 tile functions in the table, then the exported driver; `fma` for
 * the relaxed-SIMD tiles, `transposedC` for a C stored transposed.
 */
export function gemmModuleBytes(
  ams: number,
  shared: boolean,
  fma = false,
  transposedC = false,
): Uint8Array {
  const tiles = KINDS.flatMap((kind) =>
    Array.from({ length: TILE_ROWS }, (_, i) => tileFunction(i + 1, kind, ams, fma, transposedC)),
  );
  return wasmModuleBytes({
    types: [
      { params: Array<ValueType>(TILE_PARAMS).fill(I32) },
      { params: Array<ValueType>(DRIVER_PARAMS).fill(I32) },
    ],
    functions: [...tiles, driverFunction(ams, transposedC)],
    table: tiles.map((_, i) => i),
    sharedMemory: shared,
  });
}

/** One product in the terms above; offsets and strides in bytes. */
export interface GemmCall {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly ldc: number;
  /** A's stride between rows of C. */
  readonly ams: number;
  readonly m: number;
  readonly n: number;
  readonly nb: number;
  readonly sbA: number;
  readonly sbB: number;
  readonly ny: number;
  readonly syA: number;
  readonly syB: number;
  readonly nx: number;
  readonly sxA: number;
  readonly sxB: number;
  /** Add to C rather than overwrite it. */
  readonly accumulate: boolean;
  /**
   * Rows of C a panel (a multiple of TILE_ROWS): where given, the threads split the rows instead
   * of the columns and each runs its rows panel by panel; otherwise all rows are one panel.
   */
  readonly panelRows?: number;
  /**
   * C is stored transposed: C[m, n] at c + n·ldc + 4m. Only for one block of the sum (nb = 1)
   * that overwrites C: a product op(A)·Bᵀ runs as (B·op(A)ᵀ)ᵀ and writes its result as it lies.
   */
  readonly transposedC?: boolean;
  /**
   * Products of the same shape one after another (default 1), each with A and C moved on by
   * sgA and sgC bytes from the last: a strided convolution's output rows.
   */
  readonly ng?: number;
  readonly sgA?: number;
  readonly sgC?: number;
}

/** Tests compare the two kinds of tile: off sends every product to the plain ones. */
let fmaOn = true;
export function useGemmFma(on: boolean): void {
  fmaOn = on;
}

/** Whether products take the fused multiply-add tiles here. */
export const gemmFma = (): boolean => fmaOn && relaxedSimd();

const gemmFor = (memory: WasmMemory, ams: number, transposedC = false) => {
  const fma = gemmFma();
  return engineLoop(
    memory,
    `gemm ${fma ? 'fma ' : ''}${transposedC ? 'cT ' : ''}${ams}`,
    (shared) => gemmModuleBytes(ams, shared, fma, transposedC),
    'gemm',
  );
};

/** Whether products can run as the engine's SIMD loop over this memory. */
export const gemmRuns = (memory: WasmMemory): boolean => gemmFor(memory, 4) !== undefined;

/** The driver's arguments for rows [m0, m1) and columns [n0, n1) of a call. */
const gemmArgs = (g: GemmCall, m0: number, m1: number, n0: number, n1: number): number[] => [
  g.a + m0 * g.ams,
  g.b,
  g.c + m0 * (g.transposedC === true ? 4 : g.ldc),
  g.ldc,
  m1 - m0,
  n0,
  n1,
  g.nb,
  g.sbA,
  g.sbB,
  g.ny,
  g.syA,
  g.syB,
  g.nx,
  g.sxA,
  g.sxB,
  g.accumulate ? 1 : 0,
  Math.max(1, Math.min(m1 - m0, g.panelRows ?? m1 - m0)),
  g.ng ?? 1,
  g.sgA ?? 0,
  g.sgC ?? 0,
];

/** Below this many multiply-adds a product is not split over threads (a split costs ~0.05 ms). */
const MIN_SPLIT_MULTIPLY_ADDS = 1 << 20;

/**
 * Runs a product on up to `threads` threads, its columns split in whole tiles (or, with `split`
 * 'rows' or panels, its rows; or its groups where it has several); false where the SIMD loop
 * cannot run (nothing written). Every element of C is summed by one tile in the same order
 * whichever share holds it, and a column split keeps whole tiles of eight, so the split changes
 * no bits.
 */
export function runGemm(
  memory: WasmMemory,
  g: GemmCall,
  threads = 1,
  split: 'columns' | 'rows' = 'columns',
): boolean {
  if (g.m === 0 || g.n === 0) return true;
  if (g.nb <= 0 || g.ny <= 0 || g.nx <= 0) {
    throw new Error('A product needs a sum of at least one term.');
  }
  if (g.transposedC === true && (g.nb !== 1 || g.accumulate)) {
    throw new Error('A product that stores C transposed runs its sum as one block into a new C.');
  }
  const groups = g.ng ?? 1;
  if (groups <= 0) return true;
  const loop = gemmFor(memory, g.ams, g.transposedC === true);
  if (loop === undefined) return false;
  const work = groups * g.m * g.n * g.nb * g.ny * g.nx;
  const parts = work < MIN_SPLIT_MULTIPLY_ADDS ? 1 : threads;
  const byRows = split === 'rows' || g.panelRows !== undefined;
  const args =
    byRows && groups > 1
      ? shares(groups, parts).map(([g0, g1]) =>
          gemmArgs(
            { ...g, a: g.a + g0 * (g.sgA ?? 0), c: g.c + g0 * (g.sgC ?? 0), ng: g1 - g0 },
            0,
            g.m,
            0,
            g.n,
          ),
        )
      : byRows
        ? shares(g.m, parts, TILE_ROWS).map(([m0, m1]) => gemmArgs(g, m0, m1, 0, g.n))
        : shares(g.n, parts, 8).map(([n0, n1]) => gemmArgs(g, 0, g.m, n0, n1));
  loop.run(args, threads);
  return true;
}

/** A product of two float32 matrices already on the heap: C[m, n] = op(A)·B, byte offsets. */
export interface MatMulCall {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** A is stored [k, m]. */
  readonly transposeA: boolean;
  /** C is stored [n, m]; the sum then runs as one block. */
  readonly transposeC?: boolean;
}

/**
 * The block of the sum for an m × n result: B's block (k × n) within ~512 KiB and A's (m × k)
 * within ~256 KiB, so both stay in a core's L2 while every tile of C runs over them.
 */
export function sumBlock(m: number, n: number, k: number): number {
  const fit = Math.min(
    512,
    Math.floor(131072 / Math.max(1, n)),
    Math.floor(65536 / Math.max(1, m)),
  );
  return Math.max(16, Math.min(k, fit - (fit % 16)));
}

/**
 * Rows of C a panel for a product of many rows: the panel's share of C (rows × n) and of A
 * (rows × k, k up to a block of 512) within ~32 KiB each, so both stay in a core's L1 while the
 * column tiles pass over them.
 */
export function panelRows(n: number, k: number): number {
  const rows = Math.floor(8192 / Math.max(1, n, Math.min(k, 512)));
  return Math.max(TILE_ROWS, rows - (rows % TILE_ROWS));
}

/**
 * op(A)·B as one or two SIMD calls (whole blocks, then the rest of the sum). A product with more
 * rows than columns (a weight gradient Xᵀ·dY, [16384, 32]·[32, 256]; the input gradient as
 * W·dYᵀ, [16384, 256]·[256, 32]) runs in panels of rows, its rows split over the threads: then
 * each thread reads all of B, which is the smaller operand, and writes its own rows of C whole.
 */
export function runMatMul(memory: WasmMemory, p: MatMulCall, threads: number): boolean {
  const panel = p.m > p.n ? panelRows(p.n, p.k) : p.m;
  const kc = p.transposeC === true ? p.k : sumBlock(Math.min(p.m, panel), p.n, p.k);
  const blocks = Math.floor(p.k / kc);
  const rest = p.k - blocks * kc;
  const sxA = p.transposeA ? p.m * 4 : 4;
  const common = {
    c: p.c,
    ldc: (p.transposeC === true ? p.m : p.n) * 4,
    transposedC: p.transposeC === true,
    ams: p.transposeA ? 4 : p.k * 4,
    m: p.m,
    n: p.n,
    ny: 1,
    syA: 0,
    syB: 0,
    sxA,
    sxB: p.n * 4,
    ...(p.m > p.n ? { panelRows: panel } : {}),
  };
  if (blocks > 0) {
    const whole = { ...common, a: p.a, b: p.b, nb: blocks, sbA: kc * sxA, sbB: kc * p.n * 4 };
    if (!runGemm(memory, { ...whole, nx: kc, accumulate: false }, threads)) return false;
  }
  if (rest > 0) {
    const a = p.a + blocks * kc * sxA;
    const b = p.b + blocks * kc * p.n * 4;
    const tail = { ...common, a, b, nb: 1, sbA: 0, sbB: 0, nx: rest, accumulate: blocks > 0 };
    if (!runGemm(memory, tail, threads)) return false;
  }
  return true;
}
