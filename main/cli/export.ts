import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import {
  GRAPH_FILE,
  METRICS_FILE,
  MODEL_DIR,
  MODEL_FILE,
  openRunFolder,
  RUN_FILE,
  WEIGHTS_FILE,
} from '../runs/run-manifest.ts';
import { onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';

/**
 * Copies a run's model (TensorFlow.js Layers format, loadable with tf.loadLayersModel) into a
 * folder of the user's, with the graph and the metrics summary beside it.
 */
export async function exportCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs('export', argv, {
    out: { type: 'string' },
  } as const);
  const dir = onePositional('export', 'a run folder', positionals);
  if (!values.out)
    throw new StudioError('E_BAD_FLAG', "'export' needs --out DIR, the folder to export to.");
  const run = await openRunFolder(dir);
  const modelDir = join(run.dir, MODEL_DIR);
  const modelFiles = await readdir(modelDir).catch(() => [] as string[]);
  if (!modelFiles.includes(MODEL_FILE)) {
    throw new StudioError(
      'E_MODEL_MISSING',
      `The run in ${run.dir} has no trained model yet (it ended in epoch 1 with status '${run.manifest.status}').`,
    );
  }
  const out = resolve(values.out);
  const existing = await readdir(out).catch(() => [] as string[]);
  if (existing.length > 0) {
    throw new StudioError(
      'E_EXPORT_EXISTS',
      `The folder ${out} is not empty; export to a new or empty folder so nothing is overwritten.`,
    );
  }
  await mkdir(out, { recursive: true });
  await copyFile(join(modelDir, MODEL_FILE), join(out, MODEL_FILE));
  await copyFile(join(modelDir, WEIGHTS_FILE), join(out, WEIGHTS_FILE));
  for (const file of [GRAPH_FILE, METRICS_FILE, RUN_FILE]) {
    await copyFile(join(run.dir, file), join(out, file)).catch(() => undefined);
  }
  ctx.out(
    `Exported the model of ${run.dir} to ${out}: ${MODEL_FILE} and ${WEIGHTS_FILE} (TensorFlow.js Layers format, load with tf.loadLayersModel), with ${GRAPH_FILE} and ${METRICS_FILE}.\n`,
  );
  return 0;
}
