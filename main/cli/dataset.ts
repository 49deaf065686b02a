import { trainingSettingsSchema } from '../../core/graph/schema.ts';
import { attributeColumns, inspectDataset } from '../datasets/import/index.ts';
import { formatSummary, summarizeDataset } from '../datasets/import/summary.ts';
import { onePositional, parseCommandArgs } from './args.ts';
import { readSettingFlags, settingFlagOptions } from './setting-flags.ts';
import type { CommandContext } from './context.ts';
import { datasetExportCommand } from './dataset-export.ts';
import { StudioError } from '../../core/problems.ts';

/**
 * `dataset inspect <path>`: reads a user's dataset as training would (format, every image, the
 * split) and prints its summary and bad-row report, without training anything.
 */
export async function datasetCommand(
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  if (argv[0] === 'export') return datasetExportCommand(argv.slice(1), ctx);
  const { positionals, values: v } = parseCommandArgs('dataset', argv, {
    ...settingFlagOptions([
      'format',
      'box-units',
      'object-choice',
      'val-fraction',
      'test-fraction',
      'seed',
      'attributes',
      'depth-scale',
    ]),
    json: { type: 'boolean' },
  } as const);
  const [sub, ...rest] = positionals;
  if (sub !== 'inspect') {
    throw new StudioError(
      'E_BAD_FLAG',
      `The dataset command takes 'inspect <path>' or 'export <dataset>'${sub ? `, not '${sub}'` : ''}.`,
    );
  }
  const path = onePositional('dataset inspect', 'a dataset path', rest);
  const { seed, datasetOptions } = readSettingFlags(v);
  const { attributes, ...options } = datasetOptions ?? {};
  const checked = await inspectDataset(path, {
    seed: seed ?? trainingSettingsSchema.parse({}).seed,
    ...options,
    ...(attributes ? { attributes: attributeColumns(attributes) } : {}),
  });
  const summary = summarizeDataset(checked);
  ctx.out(
    v.json ? `${JSON.stringify({ type: 'dataset', ...summary })}\n` : `${formatSummary(summary)}\n`,
  );
  return 0;
}
