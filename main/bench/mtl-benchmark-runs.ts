import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isBalancingMethod } from '../../core/balancing/methods.ts';
import { mainMetric, type TaskHistory } from '../../core/balancing/sweep-spread.ts';
import {
  mergeSingleTask,
  secondsPerEpoch,
  SWEEP_FILE,
  sweepFileSchema,
  sweepRows,
  type SweepFile,
  type SweepRun,
} from '../../core/balancing/sweep.ts';
import { splitMetricsSchema } from '../../core/contract/training.ts';
import { StudioError } from '../../core/problems.ts';
import { readRunManifest, readRunMetrics } from '../runs/run-manifest.ts';

/** What the benchmark document needs of one sweep folder, read back from its files. */
export interface SweepSection {
  /** sweep.json, its rows computed again from the run folders by today's rules (the Δm% floor). */
  readonly file: SweepFile;
  /** Each finished run's test metrics, one entry per method and seed (single-task merged per seed). */
  readonly runs: readonly SweepRun[];
  /** Each single-task run's validation main metric per epoch, per task and seed. */
  readonly histories: readonly TaskHistory[];
  /** Every run's epochs added up: the sweep's time when its own wall-clock time was not kept. */
  readonly runSeconds: number;
  /** When the first run started and the last one ended (ISO). */
  readonly from: string;
  readonly to: string;
}

// What the table needs of an epoch; metrics.json keeps more.
const epochSchema = z.object({ seconds: z.number(), val: splitMetricsSchema.optional() });

/** The sweep in `dir` (its sweep.json), or undefined when there is none. */
export async function readSweepFile(dir: string): Promise<SweepFile | undefined> {
  const text = await readFile(join(dir, SWEEP_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = sweepFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new StudioError('E_RUN_INVALID', `${join(dir, SWEEP_FILE)} is not a valid sweep table.`);
  }
  return parsed.data;
}

/**
 * Reads a sweep folder as runSweep left it: sweep.json and one run folder per method and seed
 * ("pcgrad-seed43", "single-left-seed43"). Runs without a test evaluation (stopped, failed) are
 * left out, as the sweep left them out of its table.
 */
export async function readSweepSection(dir: string): Promise<SweepSection> {
  const saved = await readSweepFile(dir);
  if (!saved)
    throw new StudioError(
      'E_RUN_INVALID',
      `${dir} holds no ${SWEEP_FILE}: it is not a sweep folder.`,
    );
  const order = saved.rows.map((r) => r.method as string);
  const runs: SweepRun[] = [];
  const singles = new Map<number, SweepRun>();
  const histories = new Map<string, TaskHistory & { seeds: number[][] }>();
  let runSeconds = 0;
  let from = '';
  let to = '';
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const name of entries) {
    const single = /^single-(.+)-seed(-?\d+)$/.exec(name);
    const multi = /^(.+)-seed(-?\d+)$/.exec(name);
    const method = single ? 'single-task' : multi?.[1];
    const seed = Number((single ?? multi)?.[2]);
    if (!method || (method !== 'single-task' && !isBalancingMethod(method))) continue;
    const metrics = await readRunMetrics(join(dir, name));
    const manifest = await readRunManifest(join(dir, name));
    const epochs = metrics.history.flatMap((e) => {
      const parsed = epochSchema.safeParse(e);
      return parsed.success ? [parsed.data] : [];
    });
    const seconds = epochs.reduce((s, e) => s + e.seconds, 0);
    runSeconds += seconds;
    const end = new Date(Date.parse(manifest.createdAt) + seconds * 1000).toISOString();
    if (!from || manifest.createdAt < from) from = manifest.createdAt;
    if (end > to) to = end;
    if (!metrics.test) continue;
    const run: SweepRun = {
      method,
      seed,
      test: metrics.test,
      secondsPerEpoch: secondsPerEpoch(epochs),
    };
    if (method !== 'single-task') {
      runs.push(run);
      continue;
    }
    singles.set(seed, mergeSingleTask(singles.get(seed), run));
    for (const [task, val] of Object.entries(epochs[0]?.val?.tasks ?? {})) {
      const key = mainMetric(val);
      if (!key) continue;
      const h = histories.get(task) ?? { task, key, seeds: [] };
      h.seeds.push(epochs.map((e) => e.val?.tasks[task]?.[key] ?? Number.NaN));
      histories.set(task, h);
    }
  }
  // The sweep's own order: seed by seed, methods as it ran them, the tasks alone last.
  const rank = (m: string) => (order.includes(m) ? order.indexOf(m) : order.length);
  runs.sort((a, b) => a.seed - b.seed || rank(a.method) - rank(b.method));
  const all = [...runs, ...[...singles.values()].sort((a, b) => a.seed - b.seed)];
  return {
    file: { ...saved, rows: sweepRows(all) },
    runs: all,
    histories: [...histories.values()],
    runSeconds,
    from,
    to,
  };
}
