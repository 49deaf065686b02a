import {
  BALANCING_METHODS,
  isBalancingMethod,
  type BalancingMethodName,
} from '../../core/balancing/methods.ts';
import { sweepCells } from '../../core/balancing/sweep.ts';
import { BACKEND_NAMES } from '../../core/contract/training.ts';
import { applySettings } from '../../core/graph/setting-fields.ts';
import { StudioError } from '../../core/problems.ts';
import { runSweep } from '../runs/sweep.ts';
import { choiceFlag, intFlag, onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';
import { inline, table } from './format.ts';
import { readGraphFile } from './read-graph.ts';
import { readSettingFlags } from './setting-flags.ts';
import { stallTimeoutMs } from '../runs/stall-watch.ts';
import { TRAIN_OPTIONS } from './train.ts';

/** train's options but --json and the single-method --balance/--balance-param. */
const trainFlags = Object.fromEntries(
  Object.entries(TRAIN_OPTIONS).filter(([k]) => !['balance', 'balance-param', 'json'].includes(k)),
) as Omit<typeof TRAIN_OPTIONS, 'balance' | 'balance-param' | 'json'>;

export const SWEEP_OPTIONS = {
  ...trainFlags,
  balance: { type: 'string' },
  seeds: { type: 'string' },
  'single-task': { type: 'boolean' },
} as const;

/** "fixed,pcgrad" → the methods, each checked. */
export function methodList(text: string | undefined): BalancingMethodName[] {
  if (text === undefined) return [...BALANCING_METHODS];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !isBalancingMethod(n));
  if (bad !== undefined || names.length === 0) {
    throw new StudioError(
      'E_BAD_FLAG',
      `--balance takes a comma-separated list of ${BALANCING_METHODS.join(', ')}, not '${bad ?? text}'.`,
    );
  }
  return [...new Set(names)] as BalancingMethodName[];
}

/**
 * `sweep <graph.json> --balance a,b,… --seeds N [--single-task] [train options]`: every method
 * on every seed, then the table (test metrics mean ± std, Δm%, time per epoch against fixed).
 */
export async function sweepCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, values: v } = parseCommandArgs('sweep', argv, SWEEP_OPTIONS);
  const path = onePositional('sweep', 'a graph file', positionals);
  const methods = methodList(v.balance);
  const seeds = intFlag('seeds', v.seeds, 1, 100) ?? 3;
  const backend = choiceFlag('backend', v.backend, BACKEND_NAMES);
  const graph = await readGraphFile(path);
  const overrides = applySettings(graph.training, readSettingFlags(v));
  const { dir, file } = await runSweep({
    graph,
    methods,
    seeds,
    singleTask: Boolean(v['single-task']),
    overrides,
    ...(v.out ? { out: v.out } : {}),
    ...(backend ? { backend } : {}),
    signal: ctx.signal,
    stallTimeoutMs: stallTimeoutMs(v['stall-minutes']),
    onRun: (label, outcome) => {
      const seconds = outcome.result.history.reduce((s, e) => s + e.seconds, 0);
      ctx.out(`${inline(label)}: ${outcome.status} in ${seconds.toFixed(0)} s (${outcome.dir})\n`);
    },
  });
  ctx.out(`\n${table(sweepCells(file.rows))}\n\nSweep folder: ${dir} (sweep.json, sweep.md)\n`);
  return 0;
}
