import { BACKEND_NAMES } from '../../core/contract/training.ts';
import { applySettings } from '../../core/graph/setting-fields.ts';
import { StudioError } from '../../core/problems.ts';
import { runTraining } from '../runs/run-training.ts';
import { MAX_WASM_THREADS } from '../engine/wasm-threads.ts';
import { choiceFlag, intFlag, onePositional, parseCommandArgs } from './args.ts';
import { BALANCE_OPTIONS, readBalanceFlags } from './balance-flags.ts';
import type { CommandContext } from './context.ts';
import { evaluationTable } from './format.ts';
import { createProgressPrinter } from './progress.ts';
import { readGraphFile } from './read-graph.ts';
import { readSettingFlags, settingFlagOptions } from './setting-flags.ts';

export const TRAIN_OPTIONS = {
  ...settingFlagOptions([
    'dataset',
    'format',
    'resize',
    'box-units',
    'object-choice',
    'val-fraction',
    'test-fraction',
    'bad-rows',
    'flip',
    'shift',
    'scale',
    'brightness',
    'contrast',
    'no-cache',
    'epochs',
    'batch-size',
    'limit',
    'seed',
    'optimizer',
    'learning-rate',
    'momentum',
    'initial-weights',
  ]),
  out: { type: 'string' },
  'memory-limit': { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  ...BALANCE_OPTIONS,
} as const;

export async function trainCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, values: v } = parseCommandArgs('train', argv, TRAIN_OPTIONS);
  const path = onePositional('train', 'a graph file', positionals);
  if (v.out?.trim() === '') {
    throw new StudioError('E_BAD_FLAG', "--out needs a folder for the run; got ''.");
  }
  const patch = readSettingFlags(v);
  const backend = choiceFlag('backend', v.backend, BACKEND_NAMES);
  const threads = intFlag('threads', v.threads, 1, MAX_WASM_THREADS);
  const graph = await readGraphFile(path);
  const overrides = applySettings(graph.training, {
    ...patch,
    ...readBalanceFlags(v, graph.training.balancing),
  });

  const json = Boolean(v.json);
  const human = createProgressPrinter({
    write: ctx.out,
    control: (code) => ctx.control?.(code),
    isTTY: ctx.isTTY,
    columns: ctx.columns,
  });
  const outcome = await runTraining({
    graph,
    overrides,
    ...(v.out !== undefined ? { out: v.out } : {}),
    ...(backend ? { backend } : {}),
    ...(threads ? { threads } : {}),
    ...(v['memory-limit'] !== undefined ? { memoryLimit: v['memory-limit'] } : {}),
    signal: ctx.signal,
    onEvent: (event) => {
      if (!json) return human(event);
      // One JSON object per line for scripts: epochs and the end, not the per-batch stream.
      if (event.type === 'epoch' || event.type === 'started') ctx.out(`${JSON.stringify(event)}\n`);
    },
  });
  const { result, test, dir } = outcome;
  if (json) {
    ctx.out(
      `${JSON.stringify({
        type: 'done',
        status: outcome.status,
        out: dir,
        epochs: result.epochsCompleted,
        ...(result.last.type === 'failed' ? { message: result.last.message } : {}),
        ...(test ? { test } : {}),
        backend: outcome.manifest.backend.name,
      })}\n`,
    );
  } else {
    if (test) ctx.out(`\nTest split (${test.samples} samples):\n${evaluationTable(test)}\n`);
    ctx.out(`\nRun folder: ${dir}\n`);
  }
  return outcome.status === 'failed' ? 1 : 0;
}
