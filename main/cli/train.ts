import { BACKEND_NAMES, type TrainingEvent } from '../../core/contract/training.ts';
import { applySettings } from '../../core/graph/setting-fields.ts';
import { StudioError } from '../../core/problems.ts';
import { resumeTraining, runTraining, type RunOutcome } from '../runs/run-training.ts';
import { MAX_WASM_THREADS } from '../engine/wasm-threads.ts';
import { stallTimeoutMs } from '../runs/stall-watch.ts';
import { choiceFlag, intFlag, onePositional, parseCommandArgs } from './args.ts';
import { BALANCE_OPTIONS, readBalanceFlags } from './balance-flags.ts';
import type { CommandContext } from './context.ts';
import { evaluationTable } from './format.ts';
import { createProgressPrinter } from './progress.ts';
import { readGraphFile } from './read-graph.ts';
import { readSettingFlags, settingFlagOptions, withOptionalValues } from './setting-flags.ts';

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
    'early-stopping',
    'monitor',
    'min-delta',
    'keep-last',
    'schedule',
    'warmup-epochs',
    'min-learning-rate',
    'step-epochs',
    'lr-factor',
    'lr-patience',
    'weight-decay',
    'clip-norm',
    'unfreeze-at',
    'unfreeze',
    'unfreeze-lr',
  ]),
  resume: { type: 'string' },
  out: { type: 'string' },
  'memory-limit': { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  'stall-minutes': { type: 'string' },
  json: { type: 'boolean' },
  ...BALANCE_OPTIONS,
} as const;

export async function trainCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, values: v } = parseCommandArgs(
    'train',
    withOptionalValues(argv),
    TRAIN_OPTIONS,
  );
  if (v.out?.trim() === '') {
    throw new StudioError('E_BAD_FLAG', "--out needs a folder for the run; got ''.");
  }
  const patch = readSettingFlags(v);
  const backend = choiceFlag('backend', v.backend, BACKEND_NAMES);
  const threads = intFlag('threads', v.threads, 1, MAX_WASM_THREADS);
  const stallMs = stallTimeoutMs(v['stall-minutes']);
  const json = Boolean(v.json);
  const human = createProgressPrinter({
    write: ctx.out,
    control: (code) => ctx.control?.(code),
    isTTY: ctx.isTTY,
    columns: ctx.columns,
  });
  const hooks = {
    ...(backend ? { backend } : {}),
    ...(threads ? { threads } : {}),
    ...(v['memory-limit'] !== undefined ? { memoryLimit: v['memory-limit'] } : {}),
    signal: ctx.signal,
    stallTimeoutMs: stallMs,
    onEvent: (event: TrainingEvent) => {
      if (!json) return human(event);
      // One JSON object per line for scripts: epochs and the end, not the per-batch stream.
      if (event.type === 'epoch' || event.type === 'started') ctx.out(`${JSON.stringify(event)}\n`);
    },
  };
  let outcome: RunOutcome;
  if (v.resume !== undefined) {
    const { epochs, ...others } = patch;
    const balance = v.balance !== undefined || (v['balance-param'] ?? []).length > 0;
    const extra = [
      ...positionals,
      ...Object.keys(others).map((k) => `a setting (${k})`),
      ...(balance ? ['--balance'] : []),
    ];
    if (extra.length > 0 || v.out !== undefined) {
      throw new StudioError(
        'E_BAD_FLAG',
        `'train --resume' continues a run as it was set up and takes only --epochs (the total to reach), --backend and --json; remove ${v.out ? '--out' : extra.join(', ')}.`,
      );
    }
    outcome = await resumeTraining({ dir: v.resume, ...(epochs ? { epochs } : {}), ...hooks });
  } else {
    const path = onePositional('train', 'a graph file (or --resume <run dir>)', positionals);
    const graph = await readGraphFile(path);
    const overrides = applySettings(graph.training, {
      ...patch,
      ...readBalanceFlags(v, graph.training.balancing),
    });
    outcome = await runTraining({
      graph,
      overrides,
      ...(v.out !== undefined ? { out: v.out } : {}),
      ...hooks,
    });
  }
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
