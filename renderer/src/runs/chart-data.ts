import type { SplitMetrics } from '../../../core/contract/training.ts';
import type { BatchSeries } from './batch-series.ts';
import { METRICS } from './format.ts';
import type { EpochEvent } from './run-reducer.ts';

/**
 * Rows and line styles for the run charts, as pure functions of the runs' data, so the chart
 * components only draw. Run 0 is the shown run; the others are overlaid, thinner and fainter,
 * with their run label in each line's name. A task has one colour in every chart and every run.
 */

export type Row = Record<string, number | null>;

export interface LineSpec {
  readonly key: string;
  readonly name: string;
  readonly color: string;
  readonly width: number;
  readonly opacity: number;
  readonly dash?: string;
  readonly axis?: 'ratio' | 'mae';
  /** Named in the chart's legend: the shown run's main line per task (or metric). */
  readonly legend?: boolean;
}

export interface ChartModel {
  readonly rows: readonly Row[];
  readonly lines: readonly LineSpec[];
}

/** What a chart needs of one run. */
export interface ChartRun {
  readonly label: string;
  readonly tasks: readonly string[];
  readonly batchSeries: Readonly<Record<string, BatchSeries>>;
  readonly epochs: readonly EpochEvent[];
}

const PALETTE = ['#3563e9', '#e8590c', '#2f9e44', '#ae3ec9', '#0c8599', '#d6336c', '#b08900'];
export const TOTAL_COLOR = '#7a8599';
const VAL_DASH = '6 4';
const OVERLAY_DASH = '2 3';

/** One colour per task name, in the order the tasks first appear among the runs. */
export function taskColors(runs: readonly ChartRun[]): ReadonlyMap<string, string> {
  const colors = new Map<string, string>();
  for (const run of runs) {
    for (const task of run.tasks) {
      if (!colors.has(task)) colors.set(task, PALETTE[colors.size % PALETTE.length] ?? '#888');
    }
  }
  return colors;
}

/** A value the chart can draw: non-finite values, and non-positive ones on a log axis, are gaps. */
export const drawable = (v: number | undefined, log: boolean): number | null =>
  v !== undefined && Number.isFinite(v) && (!log || v > 0) ? v : null;

function merge(points: Iterable<[x: number, key: string, value: number | null]>, xKey: string) {
  const rows = new Map<number, Row>();
  for (const [x, key, value] of points) {
    let row = rows.get(x);
    if (!row) rows.set(x, (row = { [xKey]: x }));
    row[key] = value;
  }
  return [...rows.values()].sort((a, b) => (a[xKey] ?? 0) - (b[xKey] ?? 0));
}

const style = (r: number, label: string) =>
  r === 0
    ? { suffix: '', width: 2, opacity: 1 }
    : { suffix: ` · ${label}`, width: 1.25, opacity: 0.55 };

/** Per task: the smoothed batch loss (and, for the shown run, the raw loss, faint). */
export function batchLossModel(runs: readonly ChartRun[], log: boolean): ChartModel {
  const colors = taskColors(runs);
  const lines: LineSpec[] = [];
  const points: [number, string, number | null][] = [];
  runs.forEach((run, r) => {
    const s = style(r, run.label);
    for (const task of run.tasks) {
      const series = run.batchSeries[task];
      const color = colors.get(task) ?? TOTAL_COLOR;
      if (!series) continue;
      if (r === 0) {
        lines.push({ key: `0|${task}|raw`, name: `${task} (raw)`, color, width: 1, opacity: 0.25 });
      }
      lines.push({
        key: `${r}|${task}|smooth`,
        name: `${task}${s.suffix}`,
        color,
        width: s.width,
        opacity: s.opacity,
        ...(r > 0 ? { dash: OVERLAY_DASH } : { legend: true }),
      });
      for (const p of series.points) {
        if (r === 0) points.push([p.step, `0|${task}|raw`, drawable(p.loss, log)]);
        points.push([p.step, `${r}|${task}|smooth`, drawable(p.smooth, log)]);
      }
    }
  });
  return { rows: merge(points, 'step'), lines };
}

type SplitValue = (split: SplitMetrics) => number | undefined;

function epochModel(
  runs: readonly ChartRun[],
  curves: (run: ChartRun) => readonly { id: string; name: string; color: string; value: SplitValue; axis?: 'ratio' | 'mae' }[],
  log: boolean,
): ChartModel {
  const lines: LineSpec[] = [];
  const points: [number, string, number | null][] = [];
  runs.forEach((run, r) => {
    const s = style(r, run.label);
    for (const curve of curves(run)) {
      for (const split of ['train', 'val'] as const) {
        const key = `${r}|${curve.id}|${split}`;
        lines.push({
          key,
          name: `${curve.name} ${split === 'val' ? 'validation' : 'train'}${s.suffix}`,
          color: curve.color,
          width: s.width,
          opacity: s.opacity,
          ...(split === 'val' ? { dash: VAL_DASH } : {}),
          ...(r === 0 && split === 'train' ? { legend: true } : {}),
          ...(curve.axis ? { axis: curve.axis } : {}),
        });
        for (const e of run.epochs) points.push([e.epoch, key, drawable(curve.value(e[split]), log)]);
      }
    }
  });
  return { rows: merge(points, 'epoch'), lines };
}

/** Per task: the loss per epoch, train solid and validation dashed. */
export function epochLossModel(runs: readonly ChartRun[], log: boolean): ChartModel {
  const colors = taskColors(runs);
  return epochModel(
    runs,
    (run) =>
      run.tasks.map((task) => ({
        id: task,
        name: task,
        color: colors.get(task) ?? TOTAL_COLOR,
        value: (m) => m.tasks[task]?.loss,
      })),
    log,
  );
}

/** The total loss (Σ weight × task loss) per epoch, train and validation. */
export function totalLossModel(runs: readonly ChartRun[], log: boolean): ChartModel {
  return epochModel(
    runs,
    () => [{ id: 'total', name: 'total', color: TOTAL_COLOR, value: (m) => m.loss }],
    log,
  );
}

/** Lighter shades for a task's second and later metrics, so mean IoU and IoU≥0.5 differ. */
const shade = (hex: string, i: number) => {
  if (i === 0) return hex;
  const mix = Math.min(0.6, 0.4 * i);
  const c = [1, 3, 5].map((o) => parseInt(hex.slice(o, o + 2), 16));
  return `rgb(${c.map((v) => Math.round(v + (255 - v) * mix)).join(', ')})`;
};

/** Each task's metrics per epoch: accuracy, mean IoU and IoU≥0.5 on 0–1, MAE on its own axis. */
export function metricsModel(runs: readonly ChartRun[]): ChartModel {
  const colors = taskColors(runs);
  return epochModel(
    runs,
    (run) => {
      const last = run.epochs[run.epochs.length - 1];
      return run.tasks.flatMap((task) => {
        const shown = METRICS.filter((m) => last?.train.tasks[task]?.[m.key] !== undefined);
        return shown.map((metric, i) => ({
          id: `${task}|${metric.key}`,
          name: `${task} ${metric.label}`,
          color: shade(colors.get(task) ?? TOTAL_COLOR, i),
          value: (m: SplitMetrics) => m.tasks[task]?.[metric.key],
          axis: metric.key === 'mae' ? ('mae' as const) : ('ratio' as const),
        }));
      });
    },
    false,
  );
}

/**
 * The end of an x axis that grows with the run rather than spanning all it has planned: a long
 * run's first steps would otherwise be squeezed against the left edge. It moves in round steps
 * (1, 2, 5 × 10ⁿ, a quarter ahead of the data) so the ticks do not shift with every update.
 */
export function growingAxisMax(seen: number, planned: number): number {
  if (planned <= 0) return Math.max(1, seen);
  if (seen >= planned) return planned;
  const want = Math.max(seen * 1.25, seen + 1);
  const magnitude = 10 ** Math.floor(Math.log10(want));
  const nice = [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= want) ?? want;
  return Math.min(planned, nice);
}
