/**
 * One side of `npm run bench`'s thread comparison, run as its own process because a process
 * starts the WebAssembly backend once, with one thread count: the reference model's training
 * rate through the real trainer at `--threads`, printed as one JSON line, after a line for every
 * epoch that ends (the parent ends a process that stays silent too long, and asks it first where
 * it is stuck through the file `--where`).
 */
import { readFileSync } from 'node:fs';
import { choiceFlag, intFlag, parseCommandArgs } from '../cli/args.ts';
import { answerWhereStuckWhenAsked } from '../runs/stuck-place.ts';

export interface ChildResult {
  readonly threads: number;
  readonly description: string;
  /** Samples/s of each timed epoch. */
  readonly rates: readonly number[];
  /** Whether the products ran on the fused multiply-add tiles. */
  readonly fma: boolean;
}

const { values } = parseCommandArgs('bench', process.argv.slice(2), {
  graph: { type: 'string' },
  threads: { type: 'string' },
  batches: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  tiles: { type: 'string' },
  where: { type: 'string' },
} as const);
// Able to answer before the engine loads (seconds on a busy machine), which a stall may be in too.
if (values.where !== undefined) answerWhereStuckWhenAsked(values.where);
const [{ parseGraphDocument }, { initBackend }, { gemmFma, useGemmFma }, { MAX_WASM_THREADS }] =
  await Promise.all([
    import('../../core/graph/load.ts'),
    import('../engine/backend.ts'),
    import('../engine/wasm/kernels/gemm.ts'),
    import('../engine/wasm/threads.ts'),
  ]);
const [{ benchDataset }, { trainerThroughput, withoutProbes }] = await Promise.all([
  import('./bench-data.ts'),
  import('./training-bench.ts'),
]);
// The product routine's tiles: 'plain' measures today's against the fused multiply-add ones.
useGemmFma(choiceFlag('tiles', values.tiles, ['fma', 'plain'] as const) !== 'plain');
const threads = intFlag('threads', values.threads, 1, MAX_WASM_THREADS) ?? 1;
const graph = withoutProbes(parseGraphDocument(readFileSync(values.graph ?? '', 'utf8')));
const batchSize = intFlag('batch-size', values['batch-size'], 1) ?? 32;
const batches = intFlag('batches', values.batches, 1) ?? 6;
const epochs = intFlag('epochs', values.epochs, 1) ?? 3;
const backend = await initBackend('wasm', { threads });
const dataset = benchDataset(graph, batches, batchSize);
const rates = await trainerThroughput({
  graph,
  dataset,
  backend,
  batchSize,
  epochs,
  onEpoch: (e) => process.stdout.write(`${JSON.stringify({ epoch: e.epoch })}\n`),
});
const result: ChildResult = { threads, description: backend.description, rates, fma: gemmFma() };
process.stdout.write(`${JSON.stringify(result)}\n`);
