import { pairKey } from '../../../core/balancing/objective.ts';
import {
  drawable,
  taskColors,
  TOTAL_COLOR,
  type ChartModel,
  type ChartRun,
  type LineSpec,
  type Row,
} from './chart-data.ts';
import type { EpochEvent } from './run-reducer.ts';

/**
 * The balancing charts' rows and lines, per epoch: each task's effective weight, its gradient
 * norm on the shared trunk, each pair's gradient cosine with the share of probes in conflict,
 * and L_k(t)/L_k(0). Run 0 is the shown run, the others overlaid as in the other charts.
 */

interface Curve {
  readonly id: string;
  readonly name: string;
  readonly color: string;
  readonly value: (e: EpochEvent) => number | undefined;
  readonly dash?: string;
}

const PAIR_COLORS = ['#5c7cfa', '#f08c00', '#37b24d', '#cc5de8', '#1098ad', '#e64980'];

function perEpoch(
  runs: readonly ChartRun[],
  curves: (run: ChartRun) => readonly Curve[],
  log = false,
): ChartModel {
  const lines: LineSpec[] = [];
  const byEpoch = new Map<number, Row>();
  runs.forEach((run, r) => {
    for (const curve of curves(run)) {
      const key = `${r}|${curve.id}`;
      lines.push({
        key,
        name: r === 0 ? curve.name : `${curve.name} · ${run.label}`,
        color: curve.color,
        width: r === 0 ? 2 : 1.25,
        opacity: r === 0 ? 1 : 0.55,
        ...(r > 0 ? { dash: '2 3' } : curve.dash ? { dash: curve.dash } : {}),
        ...(r === 0 ? { legend: true } : {}),
      });
      for (const e of run.epochs) {
        const row = byEpoch.get(e.epoch) ?? { epoch: e.epoch };
        row[key] = drawable(curve.value(e), log);
        byEpoch.set(e.epoch, row);
      }
    }
  });
  const rows = [...byEpoch.values()].sort((a, b) => (a.epoch ?? 0) - (b.epoch ?? 0));
  // A chart with nothing to draw (runs of before balancing) shows its waiting note.
  const any = rows.some((row) => lines.some((l) => row[l.key] !== null && row[l.key] !== undefined));
  return { rows: any ? rows : [], lines };
}

const perTask = (runs: readonly ChartRun[], value: (e: EpochEvent, task: string) => number | undefined, log = false) => {
  const colors = taskColors(runs);
  return perEpoch(
    runs,
    (run) =>
      run.tasks.map((task) => ({
        id: task,
        name: task,
        color: colors.get(task) ?? TOTAL_COLOR,
        value: (e: EpochEvent) => value(e, task),
      })),
    log,
  );
};

/** Each task's effective weight per epoch (the mean over its steps). */
export const weightsModel = (runs: readonly ChartRun[]): ChartModel =>
  perTask(runs, (e, task) => e.weights?.[task]);

/** Each task's gradient norm on the shared trunk (probe batch). */
export const gradNormModel = (runs: readonly ChartRun[], log: boolean): ChartModel =>
  perTask(runs, (e, task) => e.diagnostics?.gradNorm[task], log);

/** L_k(t)/L_k(0) on the probe batch: tasks on different scales on one axis. */
export const lossRatioModel = (runs: readonly ChartRun[], log: boolean): ChartModel =>
  perTask(runs, (e, task) => e.diagnostics?.lossRatio[task], log);

/** The task pairs of a run, in head order: "a|b". */
export const taskPairs = (tasks: readonly string[]): string[] =>
  tasks.flatMap((a, i) => tasks.slice(i + 1).map((b) => pairKey(a, b)));

/** One line per task pair's gradient cosine, and the share of probes in conflict (dashed). */
export function cosineModel(runs: readonly ChartRun[]): ChartModel {
  return perEpoch(runs, (run) => [
    ...taskPairs(run.tasks).map((pair, i) => ({
      id: `cos|${pair}`,
      name: pair.replace('|', ' · '),
      color: PAIR_COLORS[i % PAIR_COLORS.length] ?? TOTAL_COLOR,
      value: (e: EpochEvent) => e.diagnostics?.cosine[pair],
    })),
    {
      id: 'conflict',
      name: 'conflict share',
      color: TOTAL_COLOR,
      dash: '6 4',
      value: (e: EpochEvent) => e.diagnostics?.conflictShare,
    },
  ]);
}
