import { IMPORT_FORMAT_NAMES } from '../../core/graph/schema.ts';
import { inspectDataset } from '../datasets/import/index.ts';
import { formatSummary, summarizeDataset } from '../datasets/import/summary.ts';
import { choiceFlag, intFlag, numberFlag, onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';
import { StudioError } from '../../core/problems.ts';

/**
 * `dataset inspect <path>`: reads a user's dataset as training would (format, every image, the
 * split) and prints its summary and bad-row report, without training anything.
 */
export async function datasetCommand(
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const { positionals, values: v } = parseCommandArgs('dataset', argv, {
    format: { type: 'string' },
    'box-units': { type: 'string' },
    'object-choice': { type: 'string' },
    'val-fraction': { type: 'string' },
    'test-fraction': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  } as const);
  const [sub, ...rest] = positionals;
  if (sub !== 'inspect') {
    throw new StudioError(
      'E_BAD_FLAG',
      `The dataset command takes 'inspect <path>'${sub ? `, not '${sub}'` : ''}.`,
    );
  }
  const path = onePositional('dataset inspect', 'a dataset path', rest);
  const format = choiceFlag('format', v.format, IMPORT_FORMAT_NAMES);
  const boxUnits = choiceFlag('box-units', v['box-units'], [
    'auto',
    'pixels',
    'normalized',
  ] as const);
  const objectChoice = choiceFlag('object-choice', v['object-choice'], [
    'largest',
    'first',
  ] as const);
  const validationFraction = numberFlag('val-fraction', v['val-fraction'], 0, 0.5);
  const testFraction = numberFlag('test-fraction', v['test-fraction'], 0, 0.5);
  const seed = intFlag('seed', v.seed, 0, 2 ** 31 - 1) ?? 42;
  const checked = await inspectDataset(path, {
    seed,
    ...(format ? { format } : {}),
    ...(boxUnits ? { boxUnits } : {}),
    ...(objectChoice ? { objectChoice } : {}),
    ...(validationFraction !== undefined ? { validationFraction } : {}),
    ...(testFraction !== undefined ? { testFraction } : {}),
  });
  const summary = summarizeDataset(checked);
  ctx.out(
    v.json ? `${JSON.stringify({ type: 'dataset', ...summary })}\n` : `${formatSummary(summary)}\n`,
  );
  return 0;
}
