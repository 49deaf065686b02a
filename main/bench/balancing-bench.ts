import {
  BALANCING_METHODS,
  balancingSettingsSchema,
  type BalancingMethodName,
} from '../../core/balancing/methods.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { table } from '../cli/format.ts';
import { median, trainerThroughput, type BenchSettings } from './training-bench.ts';

const withBalancing = (graph: GraphDocument, method: BalancingMethodName, probes = 0) => ({
  ...graph,
  training: {
    ...graph.training,
    balancing: balancingSettingsSchema.parse({ method, probesPerEpoch: probes }),
  },
});

/**
 * Training throughput of every balancing method through the trainer on the same model and
 * batches, relative to `fixed` (trunk probes off, so each line is the method's own cost), and
 * `fixed` with the default probes for what the diagnostics cost.
 */
export async function balancingBench(settings: BenchSettings): Promise<string> {
  const rows: string[][] = [['method', 'median samples/s', 'vs fixed', 'epochs (samples/s)']];
  const rates = new Map<string, number[]>();
  const measure = async (name: string, graph: GraphDocument) =>
    rates.set(name, await trainerThroughput({ ...settings, graph }));
  for (const method of BALANCING_METHODS) {
    await measure(method, withBalancing(settings.graph, method));
  }
  // A benchmark epoch is a few batches, so this probes far more often than a full-size run.
  const batches = Math.ceil(settings.dataset.splits.train.size / settings.batchSize);
  await measure(
    `fixed + trunk probes (4 an epoch of ${batches} batches)`,
    withBalancing(settings.graph, 'fixed', 4),
  );
  const base = median(rates.get('fixed') ?? [1]);
  for (const [name, list] of rates) {
    const m = median(list);
    rows.push([
      name,
      m.toFixed(1),
      `${(m / base).toFixed(2)}×`,
      list.map((r) => r.toFixed(1)).join(' '),
    ]);
  }
  return `${table(rows, [1, 2])}\n`;
}
