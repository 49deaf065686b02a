import { join } from 'node:path';
import { CHECKPOINTS } from '../../core/contract/export.ts';
import { BACKEND_NAMES } from '../../core/contract/training.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { initBackend } from '../engine/backend.ts';
import { formatCocoStats } from '../../core/detection/coco-eval.ts';
import { detectSplit } from '../engine/detections.ts';
import { evaluateSplit } from '../engine/evaluate.ts';
import { loadModel } from '../engine/model-io.ts';
import { openDatasetForRun } from '../runs/dataset-for-run.ts';
import { readableFolder } from '../engine/atomic-write.ts';
import { CHECKPOINT_DIRS, openRunFolder } from '../runs/run-folder.ts';
import { choiceFlag, onePositional, parseCommandArgs } from './args.ts';
import { readSettingFlags, settingFlagOptions } from './setting-flags.ts';
import type { CommandContext } from './context.ts';
import { evaluationTable, inline } from './format.ts';

const SPLITS = ['train', 'validation', 'test'] as const;

/** Keras' evaluate for a finished run: total loss and each task's loss and metrics on a split. */
export async function evaluateCommand(
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const { positionals, values } = parseCommandArgs('evaluate', argv, {
    split: { type: 'string' },
    checkpoint: { type: 'string' },
    ...settingFlagOptions(['batch-size']),
    backend: { type: 'string' },
    json: { type: 'boolean' },
  } as const);
  const dir = onePositional('evaluate', 'a run folder', positionals);
  const split = choiceFlag('split', values.split, SPLITS) ?? 'test';
  const checkpoint = choiceFlag('checkpoint', values.checkpoint, CHECKPOINTS) ?? 'best';
  const backend = choiceFlag('backend', values.backend, BACKEND_NAMES);
  const run = await openRunFolder(dir);
  const batchSize =
    readSettingFlags({ 'batch-size': values['batch-size'] }).batchSize ??
    run.manifest.settings.batchSize;
  await initBackend(backend);
  const analysis = analyzeGraph(run.graph);
  const { data: dataset } = await openDatasetForRun(analysis, {
    name: run.manifest.dataset.name,
    seed: run.manifest.dataset.seed,
    ...(run.manifest.dataset.limit !== undefined ? { limit: run.manifest.dataset.limit } : {}),
    // Augmentation never applies outside the training split, so evaluation reads as trained.
    options: run.manifest.settings.datasetOptions,
  });
  const model = await loadModel(readableFolder(join(run.dir, CHECKPOINT_DIRS[checkpoint])));
  try {
    const metrics = await evaluateSplit(
      model,
      analysis.heads,
      dataset.splits[split],
      dataset.imageShape,
      batchSize,
      undefined,
      dataset.targets,
    );
    const detections = await detectSplit(
      model,
      analysis.heads,
      dataset.targets,
      dataset.splits[split],
      dataset.imageShape,
      batchSize,
    );
    const coco = Object.fromEntries(detections.map((d) => [d.task, d.evaluation.stats]));
    if (values.json) {
      ctx.out(
        `${JSON.stringify({ type: 'evaluation', split, checkpoint, run: run.dir, ...metrics, ...(detections.length ? { coco } : {}) })}\n`,
      );
    } else {
      ctx.out(
        `${inline(run.manifest.graphName)} (${checkpoint === 'best' ? 'kept' : 'last'} model) on the ${inline(dataset.name)} ${split} split (${metrics.samples} samples):\n`,
      );
      ctx.out(`${evaluationTable(metrics)}\n`);
      for (const d of detections) {
        const [height, width] = dataset.imageShape;
        ctx.out(
          `\n${inline(d.task)}: COCO box evaluation (${width}×${height} pixels, top ${Number(analysis.heads.find((h) => h.task === d.task)?.params.topK ?? 100)} per image):\n${formatCocoStats(d.evaluation.stats)}\n`,
        );
      }
    }
  } finally {
    model.dispose();
    await dataset.close?.();
  }
  return 0;
}
