import { z } from 'zod';
import type { SplitMetrics } from '../contract/training.ts';
import { fixed, METRICS, type MetricKey } from '../format.ts';
import { BALANCING_METHODS } from './methods.ts';

/**
 * A sweep compares balancing methods on the same graph and data: each method on each seed (and,
 * for Δm%, each task trained alone). Its table is sweep.json, written by the command line and
 * read by the app; this module computes and prints it.
 */
export const SWEEP_FILE = 'sweep.json';
export const SWEEP_MARKDOWN = 'sweep.md';

const stat = z.object({ mean: z.number(), std: z.number() });

export const sweepRowSchema = z.object({
  /** A balancing method, or "single-task" for the baseline of each task trained alone. */
  method: z.union([z.enum(BALANCING_METHODS), z.literal('single-task')]),
  seeds: z.number().int(),
  tasks: z.record(z.string(), z.record(z.string(), stat)),
  /** Mean relative change of every task metric against the task trained alone, in %; null without a baseline. */
  deltaM: z.number().nullable(),
  /** Seconds per epoch relative to `fixed` (null when fixed was not run). */
  relativeTime: z.number().nullable(),
  secondsPerEpoch: z.number(),
});
export type SweepRow = z.infer<typeof sweepRowSchema>;

export const sweepFileSchema = z.object({
  format: z.literal('multitask-studio/sweep'),
  graphName: z.string(),
  dataset: z.string(),
  epochs: z.number().int(),
  limit: z.number().int().optional(),
  /** Training, validation and test samples of each run. */
  sizes: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
  seeds: z.array(z.number().int()),
  backend: z.string(),
  rows: z.array(sweepRowSchema),
  /** Runs still to do when the file was written (the sweep writes it after every run). */
  pending: z.number().int(),
});
export type SweepFile = z.infer<typeof sweepFileSchema>;

/** What a sweep keeps of one finished run. */
export interface SweepRun {
  readonly method: SweepRow['method'];
  readonly seed: number;
  readonly test: SplitMetrics;
  readonly secondsPerEpoch: number;
}

/** A run's seconds per epoch as the table counts them: its epochs' seconds (validation included), averaged. */
export const secondsPerEpoch = (history: readonly { readonly seconds: number }[]): number =>
  history.reduce((s, e) => s + e.seconds, 0) / Math.max(history.length, 1);

/**
 * The single-task runs of one seed add up to one entry: the tasks' metrics merged, their
 * seconds per epoch summed (training every task alone costs all of them).
 */
export const mergeSingleTask = (before: SweepRun | undefined, run: SweepRun): SweepRun =>
  before
    ? {
        ...run,
        test: { ...run.test, tasks: { ...before.test.tasks, ...run.test.tasks } },
        secondsPerEpoch: before.secondsPerEpoch + run.secondsPerEpoch,
      }
    : run;

/** Mean and sample standard deviation (0 for fewer than two values). */
export const meanStd = (values: readonly number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  const variance =
    values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
};

/** Per task and metric (loss included), mean and sample std over the runs. */
export function taskStats(runs: readonly SweepRun[]): SweepRow['tasks'] {
  const out: SweepRow['tasks'] = {};
  const tasks = new Set(runs.flatMap((r) => Object.keys(r.test.tasks)));
  for (const task of tasks) {
    const keys = ['loss', ...METRICS.map((m) => m.key)] as const;
    const entry: Record<string, { mean: number; std: number }> = {};
    for (const key of keys) {
      const values = runs.flatMap((r) => {
        const v = r.test.tasks[task]?.[key];
        return v === undefined ? [] : [v];
      });
      if (values.length) entry[key] = meanStd(values);
    }
    out[task] = entry;
  }
  return out;
}

/**
 * A share metric (scale 'ratio', in [0, 1]) whose single-task baseline is below 1 % of its scale
 * stays out of Δm%: dividing by a baseline near 0 (within 11.25° at 0.001 after a short run)
 * turns a change of a few pixels into thousands of percent and drowns every other task. A free
 * metric has no scale to measure "near 0" against; only an exact 0 is left out.
 */
export const DELTA_M_FLOOR = 0.01;

/** One task metric that Δm% leaves out, and its baseline. */
export interface SkippedMetric {
  readonly task: string;
  readonly key: MetricKey;
  readonly baseline: number;
}

/** The metrics of `tasks` that Δm% leaves out against `baseline`, by the floor above. */
export function deltaMSkipped(
  tasks: SweepRow['tasks'],
  baseline: SweepRow['tasks'],
): SkippedMetric[] {
  const skipped: SkippedMetric[] = [];
  for (const [task, metrics] of Object.entries(tasks)) {
    for (const m of METRICS) {
      const base = baseline[task]?.[m.key]?.mean;
      if (metrics[m.key] === undefined || base === undefined) continue;
      const floor = m.scale === 'ratio' ? DELTA_M_FLOOR : 0;
      if (Math.abs(base) < floor || base === 0) skipped.push({ task, key: m.key, baseline: base });
    }
  }
  return skipped;
}

/**
 * Δm% (Maninis et al.): the mean over every task metric of its relative change against the same
 * task trained alone, signed so that better is positive; metrics under the floor left out.
 */
export function deltaM(tasks: SweepRow['tasks'], baseline: SweepRow['tasks']): number | null {
  const skipped = new Set(deltaMSkipped(tasks, baseline).map((s) => `${s.task}\0${s.key}`));
  const changes: number[] = [];
  for (const [task, metrics] of Object.entries(tasks)) {
    for (const m of METRICS) {
      const value = metrics[m.key]?.mean;
      const base = baseline[task]?.[m.key]?.mean;
      if (value === undefined || base === undefined || skipped.has(`${task}\0${m.key}`)) continue;
      const sign = m.direction === 'lower' ? -1 : 1;
      changes.push((sign * (value - base)) / Math.abs(base));
    }
  }
  return changes.length ? (100 * changes.reduce((a, b) => a + b, 0)) / changes.length : null;
}

/** The sentence under a table whose Δm% leaves metrics out, or undefined when it leaves none. */
export function deltaMNote(rows: readonly SweepRow[]): string | undefined {
  const baseline = rows.find((r) => r.method === 'single-task')?.tasks;
  if (!baseline) return undefined;
  const skipped = deltaMSkipped(baseline, baseline);
  if (!skipped.length) return undefined;
  const names = skipped.map((s) => {
    const label = METRICS.find((m) => m.key === s.key)?.label ?? s.key;
    return `${s.task} ${label} (single-task ${fixed(s.baseline, 4)})`;
  });
  return `Δm% leaves out ${names.join(', ')}: a share metric whose single-task baseline is below ${DELTA_M_FLOOR} (1 % of its 0–1 scale), or any metric whose baseline is 0, would turn a tiny change into a huge relative one.`;
}

/** The table's rows from the runs so far: one per method, in the order they were asked for. */
export function sweepRows(runs: readonly SweepRun[]): SweepRow[] {
  const methods = [...new Set(runs.map((r) => r.method))];
  const single = runs.filter((r) => r.method === 'single-task');
  const baseline = single.length ? taskStats(single) : undefined;
  const secondsOf = (method: string) =>
    meanStd(runs.filter((r) => r.method === method).map((r) => r.secondsPerEpoch)).mean;
  const fixedSeconds = runs.some((r) => r.method === 'fixed') ? secondsOf('fixed') : undefined;
  return methods.map((method) => {
    const own = runs.filter((r) => r.method === method);
    const tasks = taskStats(own);
    const seconds = secondsOf(method);
    return {
      method,
      seeds: new Set(own.map((r) => r.seed)).size,
      tasks,
      deltaM: baseline && method !== 'single-task' ? deltaM(tasks, baseline) : null,
      relativeTime: fixedSeconds ? seconds / fixedSeconds : null,
      secondsPerEpoch: seconds,
    };
  });
}

/** The columns of the table: each task's metrics (test split) in the order the rows have them. */
export function sweepColumns(
  rows: readonly SweepRow[],
): { task: string; key: MetricKey; label: string }[] {
  const tasks = [...new Set(rows.flatMap((r) => Object.keys(r.tasks)))];
  return tasks.flatMap((task) =>
    METRICS.filter((m) => rows.some((r) => r.tasks[task]?.[m.key])).map((m) => ({
      task,
      key: m.key,
      // "depth abs error" of a task named depth, not "depth depth abs error".
      label: m.label.split(' ')[0] === task ? m.label : `${task} ${m.label}`,
    })),
  );
}

export const meanPlusMinus = (s: { mean: number; std: number } | undefined): string =>
  s ? `${fixed(s.mean, 3)} ± ${fixed(s.std, 3)}` : '–';

const signed = (x: number | null, digits: number, unit = '') =>
  x === null ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}${unit}`;

/** One table as text cells: the header, then a row per method. */
export function sweepCells(rows: readonly SweepRow[]): string[][] {
  const columns = sweepColumns(rows);
  return [
    ['method', 'seeds', ...columns.map((c) => c.label), 'Δm%', 'time/epoch vs fixed'],
    ...rows.map((r) => [
      r.method,
      String(r.seeds),
      ...columns.map((c) => meanPlusMinus(r.tasks[c.task]?.[c.key])),
      signed(r.deltaM, 2),
      r.relativeTime === null ? '–' : `${r.relativeTime.toFixed(2)}×`,
    ]),
  ];
}

/** What a sweep ran, in one paragraph. */
export const sweepSummary = (file: SweepFile): string =>
  `${file.epochs} epochs; ${file.sizes.train} training, ${file.sizes.validation} validation and ${file.sizes.test} test samples${file.limit ? ` (--limit ${file.limit})` : ''}; seeds ${file.seeds.join(', ')}; backend ${file.backend}. Test-split metrics, mean ± std over seeds; time per epoch includes validation, and the runs skip the trunk probes${file.rows.some((r) => r.method === 'single-task') ? '; the single-task row’s time adds up its tasks’ runs (training each alone costs them all)' : ''}.${file.pending ? ` ${file.pending} runs still to do.` : ''}`;

/** sweep.md: what was run, then the table. */
export function sweepMarkdown(file: SweepFile): string {
  const cells = sweepCells(file.rows);
  const note = deltaMNote(file.rows);
  const line = (row: readonly string[]) => `| ${row.join(' | ')} |`;
  return [
    `# Sweep: ${file.graphName} on ${file.dataset}`,
    '',
    sweepSummary(file),
    '',
    line(cells[0] ?? []),
    line((cells[0] ?? []).map(() => '---')),
    ...cells.slice(1).map(line),
    '',
    ...(note ? [note, ''] : []),
  ].join('\n');
}
