import type { DatasetTargetJson } from '../../core/tasks/registry.ts';
import { join } from 'node:path';
import type { DetectionSummary } from '../../core/contract/host.ts';
import type { BackendName, SplitMetrics, TrainingEvent } from '../../core/contract/training.ts';
import { analyzeGraph, type GraphAnalysis, type HeadInfo } from '../../core/graph/analyze.ts';
import { StudioError } from '../../core/problems.ts';
import type { GraphDocument, TrainingSettings } from '../../core/graph/schema.ts';
import type { TrainingData } from '../datasets/index.ts';
import { initBackend } from '../engine/backend.ts';
import { assertCompilable, compileGraph, type CompiledGraph } from '../engine/compile.ts';
import { assertBalancingApplies } from '../engine/balancing/index.ts';
import { assertUnfreezePlan } from '../engine/control/unfreeze.ts';
import { detectionFileNames, detectSplit } from '../engine/detections.ts';
import { evaluateSplit } from '../engine/evaluate.ts';
import { endReasonOf } from '../engine/control/end-reason.ts';
import { readCheckpoint, type ResumePoint } from '../engine/control/checkpoint.ts';
import { replaceFolder, settleFolder } from '../engine/atomic-write.ts';
import { copyWeights, loadModel, saveModel, startFromWeights } from '../engine/model-io.ts';
import type { LayersModel } from '../engine/tf.ts';
import { trainModel, type EpochEvent, type TrainResult } from '../engine/trainer.ts';
import { openDatasetForRun } from './dataset-for-run.ts';
import { assertMemoryFits, memoryLimit } from './memory-limit.ts';
import { lockRun } from './run-lock.ts';
import { storedRunName } from './run-name.ts';
import { runWriteError } from './run-write-errors.ts';
import { watchFromAnotherThread } from './stall-watchdog.ts';
import { readWeightsFile } from './weights-file.ts';
import {
  createRunFolder,
  planRunFolder,
  GRAPH_FILE,
  LAST_DIR,
  METRICS_FILE,
  MODEL_DIR,
  openRunFolder,
  readRunMetrics,
  RUN_FILE,
  writeJson,
  type OpenedRun,
  type RunManifest,
} from './run-folder.ts';

export interface RunRequest extends RunHooks {
  readonly graph: GraphDocument;
  /** The run's name as the run panel showed it at Start; kept in run.json. */
  readonly name?: string;
  /** Overrides of the graph's own training settings (command-line flags, the run panel). */
  readonly overrides?: Partial<TrainingSettings>;
  readonly out?: string;
}

export interface ResumeRequest extends RunHooks {
  /** The folder of a stopped, failed or finished run with a last/ checkpoint. */
  readonly dir: string;
  /** The total epochs the run should reach; default: the run's own. */
  readonly epochs?: number;
}

interface RunHooks {
  readonly backend?: BackendName;
  /** The WebAssembly backend's thread count (default: every core). */
  readonly threads?: number;
  /** The memory the run may need (a size such as "12G"); default: MTS_MEMORY_LIMIT or the machine's. */
  readonly memoryLimit?: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainingEvent) => void;
  readonly batchEventIntervalMs?: number;
  /**
   * Watch the training from a thread of its own and end the process when no batch finishes for
   * this long (the command line; a run supervisor watches its child processes itself).
   */
  readonly stallTimeoutMs?: number;
  /**
   * Called once the run folder is complete, with the trained model before it is disposed: the
   * browser host draws its sample predictions here instead of loading the model and the dataset
   * again.
   */
  readonly onTrained?: (trained: TrainedModel) => Promise<void>;
}

export interface TrainedModel {
  readonly status: TrainResult['status'];
  readonly model: LayersModel;
  readonly heads: readonly HeadInfo[];
  readonly dataset: TrainingData;
}

export interface RunOutcome {
  readonly dir: string;
  readonly status: TrainResult['status'];
  readonly result: TrainResult;
  readonly test?: SplitMetrics;
  /** Each detection head's COCO evaluation on the test split. */
  readonly detection?: DetectionSummary[];
  readonly manifest: RunManifest;
}

/**
 * A whole training run as a user starts it: check the graph, pick the backend, load the data,
 * train, checkpoint every epoch, evaluate on the test split, and leave it all in a run folder.
 * A failed or stopped run keeps every finished epoch's model and metrics.
 */
export async function runTraining(request: RunRequest): Promise<RunOutcome> {
  const { graph } = request;
  const settings: TrainingSettings = { ...graph.training, ...request.overrides };
  const analysis = analyzeGraph(graph);
  assertCompilable(analysis);
  // Before the backend, the data or a single weight: an impossible model must not eat the machine.
  assertMemoryFits(analysis, settings, memoryLimit(request.memoryLimit));
  // And a folder the run cannot be written to is said now, not after the data is loaded.
  const planned = await planRunFolder(graph, request.out);
  const unfreeze = assertUnfreezePlan(analysis, settings);
  assertBalancingApplies(analysis, settings.balancing.method, new Set(unfreeze.nodes));
  // The starting weights too: a file that is no model's is said before the data is loaded.
  const start = settings.initialWeights
    ? await readWeightsFile(settings.initialWeights, request.signal)
    : undefined;
  const backend = await initBackend(request.backend, { threads: request.threads });
  const { data: dataset, report } = await openData(analysis, settings);
  const compiled = compileGraph(graph, { seed: settings.seed });
  if (start && settings.initialWeights) startFromWeights(compiled.model, start, settings.initialWeights);
  try {
    const { dir, id } = await createRunFolder(planned);
    const unlock = await lockRun(dir);
    const manifest: RunManifest = {
      format: 'multitask-studio/run',
      version: 1,
      id,
      createdAt: new Date().toISOString(),
      graphName: graph.name,
      ...(request.name !== undefined ? { name: request.name } : {}),
      dataset: {
        // An imported dataset is recorded by its absolute path, so evaluate finds it again.
        name: report ? report.source : dataset.name,
        seed: settings.seed,
        ...(settings.limit !== undefined ? { limit: settings.limit } : {}),
        imageShape: [...dataset.imageShape],
        sizes: {
          train: dataset.splits.train.size,
          validation: dataset.splits.validation.size,
          test: dataset.splits.test.size,
        },
        ...(report ? { report } : {}),
        targets: dataset.targets as DatasetTargetJson[],
      },
      settings,
      backend,
      status: 'running',
      epochsCompleted: 0,
    };
    try {
      await writeJson(dir, GRAPH_FILE, graph);
      return await trainInFolder(request, { dir, manifest, settings, compiled, dataset, history: [] });
    } finally {
      await unlock();
    }
  } finally {
    compiled.model.dispose();
    await dataset.close?.();
  }
}

/**
 * Continues a run from its last/ checkpoint in the same folder, to `epochs` in all: the model,
 * the optimizer's moments, the schedule, the best epoch so far, the data order and the
 * augmentation go on exactly as if the run had never stopped.
 */
export async function resumeTraining(request: ResumeRequest): Promise<RunOutcome> {
  const run = await openRunFolder(request.dir);
  const unlock = await lockRun(run.dir);
  try {
    return await resumeLocked(request, run);
  } finally {
    await unlock();
  }
}

async function resumeLocked(request: ResumeRequest, run: OpenedRun): Promise<RunOutcome> {
  // A checkpoint replaced when the run was killed is put right before it is read.
  await settleFolder(join(run.dir, LAST_DIR));
  await settleFolder(join(run.dir, MODEL_DIR));
  const checkpoint = await readCheckpoint(join(run.dir, LAST_DIR));
  const epochs = request.epochs ?? run.manifest.settings.epochs;
  const done = checkpoint.state.epochsCompleted;
  if (epochs <= done) {
    throw new StudioError(
      'E_RESUME_EPOCHS',
      `The run in ${run.dir} has already trained ${done} epochs; give more epochs to reach (for example --epochs ${done + 5}).`,
    );
  }
  const settings: TrainingSettings = { ...run.manifest.settings, epochs };
  const analysis = analyzeGraph(run.graph);
  assertCompilable(analysis);
  assertMemoryFits(analysis, settings, memoryLimit(request.memoryLimit));
  const backend = await initBackend(request.backend, { threads: request.threads });
  const { data: dataset } = await openData(analysis, {
    ...settings,
    dataset: run.manifest.dataset.name,
  });
  const compiled = compileGraph(run.graph, { seed: settings.seed });
  try {
    const saved = await loadModel(checkpoint.dir, request.signal);
    copyWeights(saved, compiled.model);
    saved.dispose();
    const { history } = await readRunMetrics(run.dir);
    const manifest: RunManifest = { ...run.manifest, settings, backend };
    return await trainInFolder(request, {
      dir: run.dir,
      manifest,
      settings,
      compiled,
      dataset,
      history: (history as unknown as EpochEvent[]).slice(0, done),
      resume: checkpoint,
    });
  } finally {
    compiled.model.dispose();
    await dataset.close?.();
  }
}

const openData = (analysis: GraphAnalysis, settings: TrainingSettings) =>
  openDatasetForRun(analysis, {
    name: settings.dataset,
    seed: settings.seed,
    ...(settings.limit !== undefined ? { limit: settings.limit } : {}),
    options: settings.datasetOptions,
  });

interface FolderRun {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly settings: TrainingSettings;
  readonly compiled: CompiledGraph;
  readonly dataset: TrainingData;
  /** Epochs already in the folder (a resumed run's). */
  readonly history: readonly EpochEvent[];
  readonly resume?: ResumePoint;
}

/**
 * Trains in a run folder: after every epoch last/ gets the model with the optimizer and state to
 * resume from, and model/ the best epoch's model (or the last one, when the best is not to be
 * kept); at the end the kept model is evaluated on the test split.
 */
async function trainInFolder(hooks: RunHooks, run: FolderRun): Promise<RunOutcome> {
  const { dir, manifest, settings, compiled, dataset } = run;
  const restoreBest = settings.earlyStopping.restoreBest;
  const history: EpochEvent[] = [...run.history];
  let bestEpoch = history.at(-1)?.best?.epoch;
  // The last epoch whose checkpoint is complete in last/: what a failed write leaves to resume from.
  let checkpointed = history.at(-1)?.epoch;
  const guard = async (write: () => Promise<void>) => {
    try {
      await write();
    } catch (e) {
      throw runWriteError(e, dir, checkpointed);
    }
  };
  const saveKept = () =>
    replaceFolder(join(dir, MODEL_DIR), (temp) => saveModel(compiled.model, temp));
  // The host may rename the run while it trains: every write keeps the name it finds.
  const writeManifest = (value: RunManifest) =>
    guard(async () => {
      const name = await storedRunName(dir);
      await writeJson(dir, RUN_FILE, name !== undefined ? { ...value, name } : value);
    });
  await writeManifest({ ...manifest, status: 'running' });
  const watchdog =
    hooks.stallTimeoutMs !== undefined
      ? watchFromAnotherThread({ timeoutMs: hooks.stallTimeoutMs, dir })
      : undefined;
  const result = await trainModel({
    compiled,
    dataset,
    settings,
    backend: manifest.backend,
    ...(manifest.dataset.report ? { datasetReport: manifest.dataset.report } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.batchEventIntervalMs !== undefined
      ? { batchEventIntervalMs: hooks.batchEventIntervalMs }
      : {}),
    ...(run.resume ? { resume: run.resume } : {}),
    onCheckpoint: (checkpoint) =>
      guard(async () => {
        await checkpoint.save(join(dir, LAST_DIR));
        checkpointed = checkpoint.epoch;
        if (checkpoint.improved || !restoreBest) {
          // The kept model, and beside it the balancing state that goes with it.
          await saveKept();
          await checkpoint.saveBalancing(dir);
          bestEpoch = checkpoint.epoch;
        }
      }),
    onEvent: async (event) => {
      watchdog?.note(event);
      if (event.type === 'epoch') {
        history.push(event);
        await guard(() =>
          writeJson(dir, METRICS_FILE, { ...(bestEpoch ? { bestEpoch } : {}), history }),
        );
        await writeManifest({ ...manifest, status: 'running', epochsCompleted: event.epoch, ...(bestEpoch ? { bestEpoch } : {}) });
      }
      hooks.onEvent?.(event);
    },
  }).finally(() => watchdog?.close());
  if (result.last.type === 'failed' && result.last.code === 'E_RUN_DELETED') {
    // Nothing is left to finish: the run ends with the sentence, not with a folder made again.
    throw new StudioError(result.last.code, result.last.message);
  }
  const lastEpoch = history.at(-1)?.epoch;
  if (bestEpoch === undefined) {
    // No epoch finished: keep what was trained, so a stopped run still has a model to export.
    if (result.status === 'stopped') await guard(saveKept);
  } else if (bestEpoch !== lastEpoch || result.status !== 'finished') {
    // Evaluate and hand on the kept model, not the weights training ended with.
    const kept = await loadModel(join(dir, MODEL_DIR));
    copyWeights(kept, compiled.model);
    kept.dispose();
  }
  let test: SplitMetrics | undefined;
  if (result.status === 'finished') {
    test = await evaluateSplit(
      compiled.model,
      compiled.heads,
      dataset.splits.test,
      dataset.imageShape,
      settings.batchSize,
      // The total weighs the tasks as the kept epoch did.
      (history.find((e) => e.epoch === bestEpoch) ?? history.at(-1))?.weights,
      dataset.targets,
    );
  }
  await guard(() =>
    writeJson(dir, METRICS_FILE, {
      ...(bestEpoch ? { bestEpoch } : {}),
      history,
      ...(test ? { test } : {}),
    }),
  );
  let detection: DetectionSummary[] | undefined;
  if (test) {
    await guard(async () => {
      detection = await keepTestDetections(dir, compiled, dataset, settings.batchSize);
    });
  }
  const unreadable = (['train', 'validation', 'test'] as const).reduce(
    (sum, split) => sum + dataset.splits[split].unreadable(),
    0,
  );
  // A resumed run's earlier ending no longer applies.
  const rest: RunManifest = { ...manifest };
  delete rest.message;
  const final: RunManifest = {
    ...rest,
    ...(unreadable > 0 ? { unreadableDuringTraining: unreadable } : {}),
    status: result.status,
    epochsCompleted: result.epochsCompleted,
    ...(result.last.type === 'failed' ? { message: result.last.message } : {}),
    endReason: endReasonOf(result.last, history.at(-1)?.best, restoreBest),
    ...(bestEpoch ? { bestEpoch } : {}),
  };
  await writeManifest(final);
  await hooks.onTrained?.({
    status: result.status,
    model: compiled.model,
    heads: compiled.heads,
    dataset,
  });
  return {
    dir,
    status: result.status,
    result,
    ...(test ? { test } : {}),
    ...(detection?.length ? { detection } : {}),
    manifest: final,
  };
}

/**
 * Each detection head's test detections in COCO's results format beside the ground truth they
 * were scored on (pixels of the input image), so pycocotools or `coco-eval` can score them again.
 */
async function keepTestDetections(
  dir: string,
  compiled: { model: LayersModel; heads: readonly HeadInfo[] },
  dataset: TrainingData,
  batchSize: number,
): Promise<DetectionSummary[]> {
  const found = await detectSplit(
    compiled.model,
    compiled.heads,
    dataset.targets,
    dataset.splits.test,
    dataset.imageShape,
    batchSize,
  );
  for (const { task, groundTruth, results } of found) {
    const names = detectionFileNames(task, found.length);
    await writeJson(dir, names.truth, groundTruth);
    await writeJson(dir, names.results, results);
  }
  return found.map(({ task, evaluation }) => ({
    task,
    stats: [...evaluation.stats],
    perClass: evaluation.perClass.map(({ name, ap, ap50, ap75 }) => ({ name, ap, ap50, ap75 })),
    curves: evaluation.curves
      .filter((c) => Math.abs(c.iou - 0.5) < 1e-9)
      .map(({ name, recall, precision }) => ({ name, recall: [...recall], precision: [...precision] })),
  }));
}
