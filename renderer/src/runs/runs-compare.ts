import type { SplitMetrics } from '../../../core/contract/training.ts';
import type { GraphDocument, TrainingSettings } from '../../../core/graph/schema.ts';
import { kindSpec } from '../../../core/nodes/registry.ts';
import { fixed, metricsOf } from './format.ts';

/** What the runs table needs of a run. */
export interface ComparedRun {
  readonly label: string;
  readonly graph: GraphDocument;
  readonly settings: TrainingSettings;
  /** The test evaluation, else the last epoch's validation. */
  readonly metrics?: SplitMetrics;
  readonly metricsFrom: 'test' | 'validation' | 'none';
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

/** A run's settings and each task's loss weight, as texts by column key. */
export function runValues(run: ComparedRun): Map<string, string> {
  const out = new Map<string, string>();
  flatten(run.settings, '', out);
  out.delete('seed');
  for (const node of run.graph.nodes) {
    if (!kindSpec(node.kind).head) continue;
    out.set(`weight ${String(node.params.task)}`, String(node.params.lossWeight ?? 1));
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

/** The metric columns: the total loss, then each task's loss and first metric. */
export function metricColumns(runs: readonly ComparedRun[]): Column[] {
  const columns: Column[] = [{ key: 'loss', title: 'loss' }];
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

/** A metric cell: four decimals, or a dash where the run has no such value. */
export function metricText(metrics: SplitMetrics | undefined, key: string): string {
  if (!metrics) return '–';
  if (key === 'loss') return fixed(metrics.loss);
  const [task = '', metric = ''] = key.split('|');
  const value = (metrics.tasks[task] as Record<string, number | undefined> | undefined)?.[metric];
  return value === undefined ? '–' : fixed(value);
}
