import { deltaM } from '../../../core/balancing/sweep.ts';
import type { SplitMetrics } from '../../../core/contract/training.ts';
import type { GraphDocument, TrainingSettings } from '../../../core/graph/schema.ts';
import { kindSpec } from '../../../core/nodes/registry.ts';
import { fixed, METRICS, metricsOf } from './format.ts';

/** What the runs table needs of a run. */
export interface ComparedRun {
  readonly label: string;
  readonly graph: GraphDocument;
  readonly settings: TrainingSettings;
  /** The test evaluation, else the last epoch's validation. */
  readonly metrics?: SplitMetrics;
  readonly metricsFrom: 'test' | 'validation' | 'none';
  /** Each task's effective weight over the last epoch, where the run reported it. */
  readonly weights?: Readonly<Record<string, number>>;
  /** How many images the run drew from its dataset (train, validation and test). */
  readonly samples?: number;
}

export interface Column {
  readonly key: string;
  readonly title: string;
}

/** Every setting as "path → text", nested settings flattened ("datasetOptions.augment.shift"). */
function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(path, typeof value === 'number' ? String(value) : JSON.stringify(value).replace(/^"|"$/g, ''));
  }
}

/** The last part of a dataset's path: the full path pushed the metrics off the table. */
const datasetName = (dataset: string): string => dataset.split(/[\\/]/).filter(Boolean).at(-1) ?? dataset;

/**
 * A run's settings and each task's weight, as texts by column key: the weight the run trained
 * with (a balancing method's, over its last epoch) rather than the graph's; the samples it drew
 * rather than the most it could have.
 */
export function runValues(run: ComparedRun): Map<string, string> {
  const out = new Map<string, string>();
  flatten(run.settings, '', out);
  out.delete('seed');
  out.set('dataset', datasetName(run.settings.dataset));
  if (run.samples !== undefined) out.set('limit', String(run.samples));
  for (const node of run.graph.nodes) {
    if (!kindSpec(node.kind).head) continue;
    const task = String(node.params.task);
    const effective = run.weights?.[task];
    out.set(
      `weight ${task}`,
      effective === undefined
        ? String(node.params.lossWeight ?? 1)
        : String(Number(effective.toPrecision(3))),
    );
  }
  return out;
}

const TITLES: Readonly<Record<string, string>> = {
  learningRate: 'learning rate',
  batchSize: 'batch size',
  limit: 'samples',
};

/**
 * The columns of the runs table: only the settings that differ between the runs (loss weights,
 * optimizer, learning rate, dataset…, whatever the settings hold), as TensorBoard's
 * hyperparameter view; all of them when every run has the same.
 */
export function differingColumns(runs: readonly ComparedRun[]): Column[] {
  const values = runs.map(runValues);
  const keys = [...new Set(values.flatMap((v) => [...v.keys()]))];
  const differ = keys.filter((k) => new Set(values.map((v) => v.get(k) ?? '–')).size > 1);
  return differ.map((key) => ({ key, title: TITLES[key] ?? key.replace(/^datasetOptions\./, '') }));
}

/**
 * The metric columns: Δm% against the first row (the shown run), then each task's loss and first
 * metric. No weighted total: a balancing method sets its weights, so it compares no two runs.
 */
export function metricColumns(runs: readonly ComparedRun[]): Column[] {
  const columns: Column[] = [{ key: 'deltaM', title: 'Δm% vs shown' }];
  const seen = new Set<string>();
  for (const run of runs) {
    for (const [task, t] of Object.entries(run.metrics?.tasks ?? {})) {
      for (const metric of [{ key: 'loss', label: 'loss' }, ...metricsOf(t).slice(0, 1)]) {
        const key = `${task}|${metric.key}`;
        if (seen.has(key)) continue;
        seen.add(key);
        columns.push({ key, title: `${task} ${metric.label}` });
      }
    }
  }
  return columns;
}

const statsOf = (m: SplitMetrics) =>
  Object.fromEntries(
    Object.entries(m.tasks).map(([task, t]) => [
      task,
      Object.fromEntries(
        Object.entries(t).flatMap(([k, v]) => (v === undefined ? [] : [[k, { mean: v, std: 0 }]])),
      ),
    ]),
  );

/**
 * Δm% of a run against another (Maninis et al.): the mean relative change of every task metric,
 * better positive; the same measure the sweeps table gives against single-task runs.
 */
export function deltaAgainst(run: SplitMetrics | undefined, base: SplitMetrics | undefined): number | undefined {
  if (!run || !base) return undefined;
  return deltaM(statsOf(run), statsOf(base)) ?? undefined;
}

const valueOf = (metrics: SplitMetrics | undefined, key: string): number | undefined => {
  const [task = '', metric = ''] = key.split('|');
  return (metrics?.tasks[task] as Record<string, number | undefined> | undefined)?.[metric];
};

/** The rows holding the best value of a task column (lower losses, each metric its own way). */
export function bestRows(runs: readonly ComparedRun[], key: string): Set<number> {
  const metric = key.split('|')[1];
  const higher = METRICS.find((m) => m.key === metric)?.direction === 'higher';
  const values = runs.map((r) => valueOf(r.metrics, key));
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (known.length < 2) return new Set();
  const best = higher ? Math.max(...known) : Math.min(...known);
  return new Set(values.flatMap((v, i) => (v === best ? [i] : [])));
}

/** A metric cell: four decimals, or a dash where the run has no such value. */
export function metricText(metrics: SplitMetrics | undefined, key: string): string {
  if (!metrics) return '–';
  const value = valueOf(metrics, key);
  return value === undefined ? '–' : fixed(value);
}
