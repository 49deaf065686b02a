import { BACKEND_NAMES } from '../../core/contract/training.ts';
import { OPTIMIZERS, type TrainingSettings } from '../../core/graph/schema.ts';
import { runTraining } from '../runs/run-training.ts';
import { choiceFlag, intFlag, numberFlag, onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';
import { evaluationTable } from './format.ts';
import { createProgressPrinter } from './progress.ts';
import { readGraphFile } from './read-graph.ts';

export const TRAIN_OPTIONS = {
  dataset: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  limit: { type: 'string' },
  seed: { type: 'string' },
  optimizer: { type: 'string' },
  'learning-rate': { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function trainCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, values: v } = parseCommandArgs('train', argv, TRAIN_OPTIONS);
  const path = onePositional('train', 'a graph file', positionals);
  const overrides: Partial<TrainingSettings> = {};
  const set = <K extends keyof TrainingSettings>(
    key: K,
    value: TrainingSettings[K] | undefined,
  ) => {
    if (value !== undefined) overrides[key] = value;
  };
  set('dataset', v.dataset);
  set('epochs', intFlag('epochs', v.epochs, 1, 10000));
  set('batchSize', intFlag('batch-size', v['batch-size'], 1, 4096));
  set('limit', intFlag('limit', v.limit, 3));
  set('seed', intFlag('seed', v.seed, 0, 2 ** 31 - 1));
  set('optimizer', choiceFlag('optimizer', v.optimizer, OPTIMIZERS));
  set('learningRate', numberFlag('learning-rate', v['learning-rate'], 0, 10));
  const backend = choiceFlag('backend', v.backend, BACKEND_NAMES);
  const graph = await readGraphFile(path);

  const json = Boolean(v.json);
  const human = createProgressPrinter({ write: ctx.out, isTTY: ctx.isTTY, columns: ctx.columns });
  const outcome = await runTraining({
    graph,
    overrides,
    ...(v.out ? { out: v.out } : {}),
    ...(backend ? { backend } : {}),
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
