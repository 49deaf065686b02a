import { meanRelativeLoss } from '../../../core/balancing/task-scale.ts';
import type { SplitMetrics } from '../../../core/contract/training.ts';
import type { BatchSeries } from './batch-series.ts';
import { METRICS } from './format.ts';
import type { EpochEvent } from './run-reducer.ts';

/**
 * Rows and line styles for the run charts, as pure functions of the runs' data, so the chart
 * components only draw. Run 0 is the shown run; the others are compared with it. In the
 * all-tasks card a colour names a task; in the per-epoch cards (one quantity each) it names a
 * run.
 */

export type Row = Record<string, number | null>;

export interface LineSpec {
  readonly key: string;
  readonly name: string;
  readonly color: string;
  readonly width: number;
  readonly opacity: number;
  readonly dash?: string;
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

/** One colour per run in the per-task cards: the shown run first, then the compared ones. */
export const runColor = (r: number): string => PALETTE[r % PALETTE.length] ?? '#888';

/** Each series over its first drawable value, so tasks on different scales share an axis. */
function normaliser(values: readonly (number | undefined)[]): (v: number | undefined) => number | undefined {
  const first = values.find((v) => v !== undefined && Number.isFinite(v) && v > 0);
  return (v) => (v === undefined || first === undefined ? undefined : v / first);
}

/**
 * Every task's loss of one run on one axis, the card that shows how the tasks learn against
 * each other: per batch (smoothed, raw faint) while the batches are known, else per epoch
 * (train solid, validation dashed). `normalised` divides each series by its first value, so a
 * task at 0.1 is not flattened under one at 1.6.
 */
export function allTasksLossModel(
  run: ChartRun,
  { log, normalised }: { log: boolean; normalised: boolean },
): ChartModel & { readonly xKey: 'step' | 'epoch' } {
  const colors = taskColors([run]);
  const lines: LineSpec[] = [];
  const points: [number, string, number | null][] = [];
  const perBatch = run.tasks.some((t) => (run.batchSeries[t]?.points.length ?? 0) > 0);
  for (const task of run.tasks) {
    const color = colors.get(task) ?? TOTAL_COLOR;
    if (perBatch) {
      const series = run.batchSeries[task];
      if (!series) continue;
      const norm = normalised ? normaliser(series.points.map((p) => p.smooth)) : (v?: number) => v;
      lines.push({ key: `${task}|raw`, name: `${task} (raw)`, color, width: 1, opacity: 0.25 });
      lines.push({ key: `${task}|smooth`, name: task, color, width: 2, opacity: 1, legend: true });
      for (const p of series.points) {
        points.push([p.step, `${task}|raw`, drawable(norm(p.loss), log)]);
        points.push([p.step, `${task}|smooth`, drawable(norm(p.smooth), log)]);
      }
    } else {
      for (const split of ['train', 'val'] as const) {
        const key = `${task}|${split}`;
        const values = run.epochs.map((e) => e[split].tasks[task]?.loss);
        const norm = normalised ? normaliser(values) : (v?: number) => v;
        lines.push({
          key,
          name: `${task} ${split === 'val' ? 'validation' : 'train'}`,
          color,
          width: 2,
          opacity: 1,
          ...(split === 'val' ? { dash: VAL_DASH } : { legend: true }),
        });
        run.epochs.forEach((e, i) => points.push([e.epoch, key, drawable(norm(values[i]), log)]));
      }
    }
  }
  const xKey = perBatch ? 'step' : 'epoch';
  return { rows: merge(points, xKey), lines, xKey };
}

/** A card's value on a split, given the same split at the run's first epoch. */
type SplitValue = (split: SplitMetrics, first: SplitMetrics | undefined) => number | undefined;

/**
 * One quantity per epoch for every run on the card: colour names the run (the legend above
 * the cards says which), solid is train, dashed validation.
 */
export function epochCardModel(runs: readonly ChartRun[], value: SplitValue, log: boolean): ChartModel {
  const lines: LineSpec[] = [];
  const points: [number, string, number | null][] = [];
  runs.forEach((run, r) => {
    for (const split of ['train', 'val'] as const) {
      const key = `${r}|${split}`;
      lines.push({
        key,
        name: `${run.label} ${split === 'val' ? 'validation' : 'train'}`,
        color: runColor(r),
        width: r === 0 ? 2 : 1.5,
        opacity: 1,
        ...(split === 'val' ? { dash: VAL_DASH } : {}),
      });
      const first = run.epochs[0]?.[split];
      for (const e of run.epochs) points.push([e.epoch, key, drawable(value(e[split], first), log)]);
    }
  });
  return { rows: merge(points, 'epoch'), lines };
}

/** Each run's learning rate at the end of every epoch (runs trained before it was reported have none). */
export function learningRateModel(runs: readonly ChartRun[]): ChartModel {
  const lines: LineSpec[] = [];
  const points: [number, string, number | null][] = [];
  runs.forEach((run, r) => {
    const key = `${r}|lr`;
    lines.push({ key, name: `${run.label} learning rate`, color: runColor(r), width: r === 0 ? 2 : 1.5, opacity: 1 });
    for (const e of run.epochs) {
      if (e.learningRate !== undefined) points.push([e.epoch, key, e.learningRate]);
    }
  });
  return { rows: points.length ? merge(points, 'epoch') : [], lines };
}

/** The shown run's best epoch so far by its monitored value, as the epoch charts mark it. */
export function bestEpochMarker(run: ChartRun | undefined): { x: number; label: string } | undefined {
  const best = run?.epochs.at(-1)?.best;
  return best ? { x: best.epoch, label: `best ${best.epoch}` } : undefined;
}

/** A card of the per-epoch grid: the total loss, a task's loss, or one of a task's metrics. */
export interface EpochCard {
  readonly id: string;
  readonly title: string;
  /** The task the card is about; its colour marks the title. */
  readonly task?: string;
  readonly yLabel: string;
  readonly value: SplitValue;
  /** Losses follow the log-scale switch; ratios have a fixed 0–1 axis. */
  readonly scale: 'loss' | 'ratio' | 'free';
}

/**
 * All tasks on one scale, then per task its loss and each metric any of the runs reports, in
 * task order. The scale is each task's loss ÷ its first epoch's, averaged: the weighted total
 * moves with the weights a balancing method sets, so runs and epochs compare on it only
 * with fixed weights (core/balancing/task-scale.ts).
 */
export function epochCards(runs: readonly ChartRun[]): EpochCard[] {
  const cards: EpochCard[] = [
    {
      id: 'total',
      // Short enough to sit beside the card's latest values; the axis says the rest.
      title: 'Task loss ÷ epoch 1',
      yLabel: '÷ epoch 1',
      value: (m, first) => meanRelativeLoss(m, first),
      scale: 'loss',
    },
  ];
  for (const task of taskColors(runs).keys()) {
    cards.push({
      id: `${task}|loss`,
      title: `${task} · loss`,
      task,
      yLabel: 'loss',
      value: (m) => m.tasks[task]?.loss,
      scale: 'loss',
    });
    for (const metric of METRICS) {
      const reported = runs.some((run) => run.epochs.at(-1)?.train.tasks[task]?.[metric.key] !== undefined);
      if (!reported) continue;
      cards.push({
        id: `${task}|${metric.key}`,
        title: `${task} · ${metric.label}`,
        task,
        yLabel: metric.label,
        value: (m) => m.tasks[task]?.[metric.key],
        scale: metric.scale,
      });
    }
  }
  return cards;
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
