import { join } from 'node:path';
import type { BackendName, SplitMetrics, TrainingEvent } from '../../core/contract/training.ts';
import { analyzeGraph, type HeadInfo } from '../../core/graph/analyze.ts';
import type { GraphDocument, TrainingSettings } from '../../core/graph/schema.ts';
import type { TrainingData } from '../datasets/index.ts';
import { initBackend } from '../engine/backend.ts';
import { assertCompilable, compileGraph } from '../engine/compile.ts';
import { assertBalancingApplies, type Balancing } from '../engine/balancing/index.ts';
import { evaluateSplit } from '../engine/evaluate.ts';
import { saveModel, startFromWeights } from '../engine/model-io.ts';
import type { LayersModel } from '../engine/tf.ts';
import { trainModel, type TrainResult } from '../engine/trainer.ts';
import { openDatasetForRun } from './dataset-for-run.ts';
import { assertMemoryFits, memoryLimit } from './memory-limit.ts';
import { storedRunName } from './run-name.ts';
import {
  BALANCING_FILE,
  createRunFolder,
  planRunFolder,
  GRAPH_FILE,
  METRICS_FILE,
  MODEL_DIR,
  RUN_FILE,
  writeJson,
  type RunManifest,
} from './run-folder.ts';

export interface RunRequest {
  readonly graph: GraphDocument;
  /** The run's name as the run panel showed it at Start; kept in run.json. */
  readonly name?: string;
  /** Overrides of the graph's own training settings (command-line flags, the run panel). */
  readonly overrides?: Partial<TrainingSettings>;
  readonly out?: string;
  readonly backend?: BackendName;
  /** The WebAssembly backend's thread count (default: every core). */
  readonly threads?: number;
  /** The memory the run may need (a size such as "12G"); default: MTS_MEMORY_LIMIT or the machine's. */
  readonly memoryLimit?: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainingEvent) => void;
  readonly batchEventIntervalMs?: number;
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
  assertBalancingApplies(analysis, settings.balancing.method);
  const backend = await initBackend(request.backend, { threads: request.threads });
  const { data: dataset, report } = await openDatasetForRun(analysis, {
    name: settings.dataset,
    seed: settings.seed,
    ...(settings.limit !== undefined ? { limit: settings.limit } : {}),
    options: settings.datasetOptions,
  });
  const compiled = compileGraph(graph, { seed: settings.seed });
  if (settings.initialWeights) await startFromWeights(compiled.model, settings.initialWeights);
  const { dir, id } = await createRunFolder(planned);
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
    },
    settings,
    backend,
    status: 'running',
    epochsCompleted: 0,
  };
  await writeJson(dir, GRAPH_FILE, graph);
  await writeJson(dir, RUN_FILE, manifest);
  // The host may rename the run while it trains: every later write keeps the name it finds.
  const writeManifest = async (value: RunManifest) => {
    const name = await storedRunName(dir);
    await writeJson(dir, RUN_FILE, name !== undefined ? { ...value, name } : value);
  };
  const history: TrainingEvent[] = [];
  let balancing: Balancing | undefined;

  try {
    const result = await trainModel({
      compiled,
      dataset,
      settings,
      backend,
      ...(report ? { datasetReport: report } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.batchEventIntervalMs !== undefined
        ? { batchEventIntervalMs: request.batchEventIntervalMs }
        : {}),
      onBalancing: (b) => (balancing = b),
      onEvent: async (event) => {
        if (event.type === 'epoch') {
          history.push(event);
          // Checkpoint: the model of the last finished epoch is always on disk, and beside it
          // the balancing state that goes with it.
          await saveModel(compiled.model, join(dir, MODEL_DIR));
          if (balancing) await writeJson(dir, BALANCING_FILE, balancing.getState());
          await writeJson(dir, METRICS_FILE, { history });
          await writeManifest({ ...manifest, epochsCompleted: event.epoch });
        }
        request.onEvent?.(event);
      },
    });
    let test: SplitMetrics | undefined;
    if (result.status === 'finished') {
      test = await evaluateSplit(
        compiled.model,
        compiled.heads,
        dataset.splits.test,
        dataset.imageShape,
        settings.batchSize,
        result.history.at(-1)?.weights,
      );
    }
    if (result.status === 'stopped') await saveModel(compiled.model, join(dir, MODEL_DIR));
    await writeJson(dir, METRICS_FILE, { history, ...(test ? { test } : {}) });
    const unreadable = (['train', 'validation', 'test'] as const).reduce(
      (sum, split) => sum + dataset.splits[split].unreadable(),
      0,
    );
    const final: RunManifest = {
      ...manifest,
      ...(unreadable > 0 ? { unreadableDuringTraining: unreadable } : {}),
      status: result.status,
      epochsCompleted: result.epochsCompleted,
      ...(result.last.type === 'failed' ? { message: result.last.message } : {}),
    };
    await writeManifest(final);
    await request.onTrained?.({
      status: result.status,
      model: compiled.model,
      heads: compiled.heads,
      dataset,
    });
    return { dir, status: result.status, result, ...(test ? { test } : {}), manifest: final };
  } finally {
    compiled.model.dispose();
    await dataset.close?.();
  }
}
