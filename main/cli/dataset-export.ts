import { resolve } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { isBuiltInDataset, loadBuiltInDataset, type ImageShape } from '../datasets/index.ts';
import { asTrainingData } from '../engine/batches.ts';
import { exportDatasetFiles, targetsHeld } from '../export/dataset.ts';
import { DATASET_FORMATS } from '../export/dataset-layout.ts';
import { writeExportFolder } from '../export/index.ts';
import { choiceFlag, intFlag, onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';
import { inline } from './format.ts';

/** "64x64x3" → [64, 64, 3]; channels 1 or 3, sides 8 to 512 as the built-in datasets allow. */
function sizeFlag(value: string | undefined): ImageShape {
  if (value === undefined) return [64, 64, 3];
  const match = /^(\d+)x(\d+)x([13])$/.exec(value.trim());
  const [h, w, c] = match ? match.slice(1).map(Number) : [];
  if (!h || !w || !c || h < 8 || w < 8 || h > 512 || w > 512) {
    throw new StudioError(
      'E_BAD_FLAG',
      `--size must be HEIGHTxWIDTHxCHANNELS with sides from 8 to 512 and 1 or 3 channels (e.g. 64x64x3), not '${value}'.`,
    );
  }
  return [h, w, c];
}

/**
 * `dataset export <built-in dataset|path> --out DIR`: a dataset the studio trains on (an imported
 * one after its check, bad rows left out) as images plus annotations.
 */
export async function datasetExportCommand(
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const { positionals, values: v } = parseCommandArgs('dataset export', argv, {
    out: { type: 'string' },
    format: { type: 'string' },
    size: { type: 'string' },
    limit: { type: 'string' },
    seed: { type: 'string' },
  } as const);
  const name = onePositional('dataset export', 'a built-in dataset or a dataset path', positionals);
  if (!v.out) {
    throw new StudioError(
      'E_BAD_FLAG',
      "'dataset export' needs --out DIR, the folder to export to.",
    );
  }
  const format = choiceFlag('format', v.format, DATASET_FORMATS) ?? 'csv';
  const imageShape = sizeFlag(v.size);
  const limit = intFlag('limit', v.limit, 3);
  const seed = intFlag('seed', v.seed, 0, 2 ** 31 - 1) ?? 42;
  const request = { imageShape, seed, ...(limit !== undefined ? { limit } : {}) };
  const data = isBuiltInDataset(name)
    ? asTrainingData(loadBuiltInDataset(name, request))
    : (await openImportedDataset(resolve(name), request)).data;
  try {
    const files = await exportDatasetFiles(data, format);
    const out = await writeExportFolder(v.out, files);
    const sizes = (['train', 'validation', 'test'] as const)
      .map((s) => `${data.splits[s].size} ${s}`)
      .join(', ');
    const held = targetsHeld(data, format);
    const left = data.targets.filter((t) => !held.includes(t)).map((t) => t.name);
    const holds = format === 'voc' ? 'masks, classes and boxes' : 'classes and boxes';
    ctx.out(
      `Exported ${inline(data.name)} (${sizes}; ${imageShape.join('×')}) as ${format} to ${out}${left.length ? ` (${format} holds ${holds}: ${left.join(', ')} left out)` : ''}.\n`,
    );
  } finally {
    await data.close?.();
  }
  return 0;
}
