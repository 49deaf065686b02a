import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  balancingSettingsSchema,
  type BalancingMethodName,
} from '../../core/balancing/methods.ts';
import {
  mergeSingleTask,
  secondsPerEpoch,
  SWEEP_FILE,
  SWEEP_MARKDOWN,
  sweepMarkdown,
  sweepRows,
  type SweepFile,
  type SweepRun,
} from '../../core/balancing/sweep.ts';
import { assertBalancingApplies } from '../engine/balancing/index.ts';
import { assertUnfreezePlan } from '../engine/control/unfreeze.ts';
import type { BackendName, TrainingEvent } from '../../core/contract/training.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import type { GraphDocument, TrainingSettings } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';
import { writeFileAtomic } from '../engine/model-io.ts';
import { asFileError } from '../fs/file-errors.ts';
import { checkNewFolder } from '../fs/out-folder.ts';
import { slug, stamp } from './run-folder.ts';
import { runTraining, type RunOutcome } from './run-training.ts';

export interface SweepRequest {
  readonly graph: GraphDocument;
  readonly methods: readonly BalancingMethodName[];
  readonly seeds: number;
  /** Also train each head alone, for Δm%. */
  readonly singleTask: boolean;
  readonly overrides: Partial<TrainingSettings>;
  readonly out?: string;
  readonly backend?: BackendName;
  readonly signal?: AbortSignal;
  /** Each run is ended when no batch finishes for this long (see stall-watchdog.ts). */
  readonly stallTimeoutMs?: number;
  /** After each run, with its label ("pcgrad, seed 43") and the table so far. */
  readonly onRun?: (label: string, outcome: RunOutcome, file: SweepFile) => void;
  readonly onEvent?: (label: string, event: TrainingEvent) => void;
}

/** The graph with one head only: the other heads and their links removed. */
export function singleTaskGraph(graph: GraphDocument, headId: string): GraphDocument {
  const analysis = analyzeGraph(graph);
  const others = new Set(analysis.heads.map((h) => h.nodeId as string).filter((id) => id !== headId));
  return {
    ...graph,
    name: `${graph.name} (${headId} alone)`,
    nodes: graph.nodes.filter((n) => !others.has(n.id)),
    edges: graph.edges.filter((e) => !others.has(e.target) && !others.has(e.source)),
    training: {
      ...graph.training,
      balancing: balancingSettingsSchema.parse({ probesPerEpoch: 0 }),
    },
  };
}

/**
 * Trains each method on each seed, one after another, each a normal run folder inside the sweep
 * folder (and each head alone with `singleTask`), and rewrites sweep.json and sweep.md after
 * every run, so a stopped sweep keeps its table so far.
 */
export async function runSweep(request: SweepRequest): Promise<{ dir: string; file: SweepFile }> {
  const { graph, overrides } = request;
  const settings: TrainingSettings = { ...graph.training, ...overrides };
  const analysis = analyzeGraph(graph);
  const unfrozenLater = new Set(assertUnfreezePlan(analysis, settings).nodes);
  for (const method of request.methods) assertBalancingApplies(analysis, method, unfrozenLater);
  // Checked as a run's or an export's folder: a recursive mkdir in /proc would spin for good.
  const dir = await checkNewFolder(
    request.out ?? join('runs', `sweep-${stamp(new Date())}-${slug(graph.name)}`),
    'the sweep',
  );
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw asFileError(e, dir, 'create');
  });
  const seeds = Array.from({ length: request.seeds }, (_, i) => settings.seed + i);
  type Job = { method: SweepRun['method']; seed: number; graph: GraphDocument; name: string };
  const jobs: Job[] = seeds.flatMap((seed) => [
    ...request.methods.map((method) => ({
      method,
      seed,
      name: `${method}-seed${seed}`,
      graph: {
        ...graph,
        training: {
          ...graph.training,
          // No trunk probes: a sweep compares the methods' results and their own cost.
          balancing: balancingSettingsSchema.parse({
            ...(method === graph.training.balancing.method ? graph.training.balancing : {}),
            method,
            probesPerEpoch: 0,
          }),
        },
      },
    })),
    ...(request.singleTask
      ? analysis.heads.map((h) => ({
          method: 'single-task' as const,
          seed,
          name: `single-${h.task}-seed${seed}`,
          graph: singleTaskGraph(graph, h.nodeId),
        }))
      : []),
  ]);
  const runs: SweepRun[] = [];
  // Single-task runs of one seed add up to one row entry: the tasks' metrics merged.
  const singles = new Map<number, SweepRun>();
  let file: SweepFile | undefined;
  let pending = jobs.length;
  for (const job of jobs) {
    if (request.signal?.aborted) break;
    const label = `${job.method}, seed ${job.seed}`;
    const outcome = await runTraining({
      graph: job.graph,
      // The job's graph carries its method; the other overrides and the seed apply to all.
      overrides: { ...overrides, balancing: job.graph.training.balancing, seed: job.seed },
      out: join(dir, job.name),
      ...(request.backend ? { backend: request.backend } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.stallTimeoutMs !== undefined ? { stallTimeoutMs: request.stallTimeoutMs } : {}),
      ...(request.onEvent ? { onEvent: (e: TrainingEvent) => request.onEvent?.(label, e) } : {}),
    });
    pending--;
    if (outcome.test) {
      const run: SweepRun = {
        method: job.method,
        seed: job.seed,
        test: outcome.test,
        secondsPerEpoch: secondsPerEpoch(outcome.result.history),
      };
      if (job.method === 'single-task') singles.set(job.seed, mergeSingleTask(singles.get(job.seed), run));
      else runs.push(run);
    }
    const manifest = outcome.manifest;
    file = {
      format: 'multitask-studio/sweep',
      graphName: graph.name,
      dataset: settings.dataset,
      epochs: settings.epochs,
      ...(settings.limit !== undefined ? { limit: settings.limit } : {}),
      sizes: manifest.dataset.sizes,
      seeds,
      backend: manifest.backend.name,
      rows: sweepRows([...runs, ...singles.values()]),
      pending,
    };
    await writeFileAtomic(join(dir, SWEEP_FILE), `${JSON.stringify(file, null, 2)}\n`);
    await writeFileAtomic(join(dir, SWEEP_MARKDOWN), sweepMarkdown(file));
    request.onRun?.(label, outcome, file);
  }
  if (!file) throw new StudioError('E_SWEEP_EMPTY', 'The sweep was stopped before its first run finished.');
  return { dir, file };
}
