import { BACKEND_NAMES } from '../../core/contract/training.ts';
import {
  IMPORT_FORMAT_NAMES,
  OPTIMIZERS,
  type DatasetOptions,
  type TrainingSettings,
} from '../../core/graph/schema.ts';
import { runTraining } from '../runs/run-training.ts';
import { choiceFlag, intFlag, numberFlag, onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';
import { evaluationTable } from './format.ts';
import { createProgressPrinter } from './progress.ts';
import { readGraphFile } from './read-graph.ts';

export const TRAIN_OPTIONS = {
  dataset: { type: 'string' },
  format: { type: 'string' },
  resize: { type: 'string' },
  'box-units': { type: 'string' },
  'object-choice': { type: 'string' },
  'bad-rows': { type: 'string' },
  flip: { type: 'boolean' },
  shift: { type: 'string' },
  scale: { type: 'string' },
  brightness: { type: 'string' },
  contrast: { type: 'string' },
  'no-cache': { type: 'boolean' },
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
  const datasetOptions = datasetOptionFlags(v, graph.training.datasetOptions);
  if (datasetOptions) overrides.datasetOptions = datasetOptions;

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

/** The imported-dataset flags over the graph's own dataset options; undefined when none is given. */
function datasetOptionFlags(
  v: { readonly [K in keyof typeof TRAIN_OPTIONS]?: string | boolean | undefined },
  base: DatasetOptions,
): DatasetOptions | undefined {
  const str = (name: keyof typeof TRAIN_OPTIONS) => v[name] as string | undefined;
  const format = choiceFlag('format', str('format'), IMPORT_FORMAT_NAMES);
  const resize = choiceFlag('resize', str('resize'), ['letterbox', 'stretch'] as const);
  const boxUnits = choiceFlag('box-units', str('box-units'), [
    'auto',
    'pixels',
    'normalized',
  ] as const);
  const objectChoice = choiceFlag('object-choice', str('object-choice'), [
    'largest',
    'first',
  ] as const);
  const onBadRows = choiceFlag('bad-rows', str('bad-rows'), ['skip', 'stop'] as const);
  const shift = numberFlag('shift', str('shift'), 0, 0.3);
  const scale = numberFlag('scale', str('scale'), 0, 0.3);
  const brightness = numberFlag('brightness', str('brightness'), 0, 0.5);
  const contrast = numberFlag('contrast', str('contrast'), 0, 0.5);
  const flip = v.flip === true ? true : undefined;
  const noCache = v['no-cache'] === true;
  const given = [
    format,
    resize,
    boxUnits,
    objectChoice,
    onBadRows,
    shift,
    scale,
    brightness,
    contrast,
    flip,
  ];
  if (given.every((x) => x === undefined) && !noCache) return undefined;
  return {
    ...base,
    ...(format ? { format } : {}),
    ...(resize ? { resize } : {}),
    ...(boxUnits ? { boxUnits } : {}),
    ...(objectChoice ? { objectChoice } : {}),
    ...(onBadRows ? { onBadRows } : {}),
    ...(noCache ? { cache: false } : {}),
    augment: {
      ...base.augment,
      ...(flip ? { flip } : {}),
      ...(shift !== undefined ? { shift } : {}),
      ...(scale !== undefined ? { scale } : {}),
      ...(brightness !== undefined ? { brightness } : {}),
      ...(contrast !== undefined ? { contrast } : {}),
    },
  };
}
