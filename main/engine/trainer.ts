import { balancingSettingsSchema, type BalancingSettings } from '../../core/balancing/methods.ts';
import { weightedTotal } from '../../core/balancing/objective.ts';
import type {
  BackendInfo,
  DatasetReport,
  EventOf,
  TrainingEvent,
} from '../../core/contract/training.ts';
import { taskInfoOf } from '../../core/graph/analyze.ts';
import type { TrainingSettings } from '../../core/graph/schema.ts';
import type { Dataset, TrainingData } from '../datasets/types.ts';
import { createRng, shuffle } from '../datasets/rng.ts';
import {
  asTrainingData,
  batchIndices,
  disposeBatch,
  makeBatch,
  prefetchBlocks,
} from './batches.ts';
import type { CompiledGraph } from './compile.ts';
import { Balancing } from './balancing/index.ts';
import { probeBatch } from './balancing/probe.ts';
import { evaluateSplit } from './evaluate.ts';
import { createOptimizer } from './optimizer.ts';
import { SplitAccumulator } from './split-stats.ts';

export type EpochEvent = EventOf<'epoch'>;

export interface TrainOptions {
  readonly compiled: CompiledGraph;
  /** A built-in dataset in memory, or readers that decode files as batches are needed. */
  readonly dataset: Dataset | TrainingData;
  readonly settings: Pick<
    TrainingSettings,
    'epochs' | 'batchSize' | 'optimizer' | 'learningRate' | 'momentum' | 'shuffle' | 'seed'
  > & { readonly balancing?: BalancingSettings };
  readonly backend: BackendInfo;
  /** Abort to stop between batches. */
  readonly signal?: AbortSignal;
  /** Awaited, so a listener may save a checkpoint on an epoch event before training goes on. */
  readonly onEvent: (event: TrainingEvent) => void | Promise<void>;
  /** An imported dataset's report, carried in the started event. */
  readonly datasetReport?: DatasetReport;
  /** Batch events are throttled to one per interval: 50 ms is 20 a second. */
  readonly batchEventIntervalMs?: number;
  /** Given the run's balancing before the first step: its state is checkpointed beside the model. */
  readonly onBalancing?: (balancing: Balancing) => void;
}

export interface TrainResult {
  readonly status: 'finished' | 'stopped' | 'failed';
  readonly epochsCompleted: number;
  readonly history: readonly EpochEvent[];
  /** The event that ended the run. */
  readonly last: EventOf<'finished' | 'stopped' | 'failed'>;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const seconds = (ms: number) => Math.round(ms) / 1000;

/**
 * The multi-task training loop. tfjs' `fit()` cannot weight losses and misreports per-output
 * validation values for multi-output models in 4.22, so each step is ours: the balancing method
 * forms the update from the tasks' losses, one backend read per step for every task's loss and
 * metric sums.
 */
export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const { compiled, settings, backend, signal, onEvent } = options;
  const dataset = asTrainingData(options.dataset);
  const { model, heads } = compiled;
  const interval = options.batchEventIntervalMs ?? 50;
  const train = dataset.splits.train;
  const imageShape = dataset.imageShape;
  const history: EpochEvent[] = [];
  const batchesPerEpoch = Math.ceil(train.size / settings.batchSize);
  const totalSteps = batchesPerEpoch * settings.epochs;
  const optimizer = createOptimizer(settings);
  const balancing = new Balancing({
    model,
    analysis: compiled.analysis,
    heads,
    optimizer,
    settings: settings.balancing ?? balancingSettingsSchema.parse({}),
    seed: settings.seed,
    probe: await probeBatch(dataset, heads, settings.batchSize),
    batchesPerEpoch,
  });
  options.onBalancing?.(balancing);
  const rng = createRng(settings.seed, 0x5eed);
  const order = Int32Array.from({ length: train.size }, (_, i) => i);
  const runStart = performance.now();
  let step = 0;
  let trainingMs = 0;
  let lastBatchEvent = -Infinity;
  let samplesBefore = 0;
  const samplesSoFar = (thisEpoch: number) => samplesBefore + thisEpoch;

  const end = async <E extends TrainResult['last']>(event: E): Promise<TrainResult> => {
    // Reads still in flight finish on their own; their blocks are dropped.
    await blocks.return(undefined);
    balancing.dispose();
    optimizer.dispose();
    await onEvent(event);
    return { status: event.type, epochsCompleted: history.length, history, last: event };
  };

  await onEvent({
    type: 'started',
    backend,
    dataset: {
      name: dataset.name,
      sizes: {
        train: train.size,
        validation: dataset.splits.validation.size,
        test: dataset.splits.test.size,
      },
      ...(options.datasetReport ? { report: options.datasetReport } : {}),
    },
    tasks: heads.map(taskInfoOf),
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    batchesPerEpoch,
    parameters: model.countParams(),
    balancing: { method: balancing.method, params: balancing.params },
  });

  // One stream of batches over all epochs, so the next epoch's first batches are read while
  // this one's validation runs: reading only waits on the very first batch of the run.
  function* runBatches(): Generator<Int32Array> {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      if (settings.shuffle) shuffle(order, rng);
      // Copies: the next shuffle reorders `order` while these may still be being read.
      for (const indices of batchIndices(order, settings.batchSize)) yield indices.slice();
    }
  }
  const blocks = prefetchBlocks(train, runBatches());
  const nextBlock = async () => {
    const next = await blocks.next();
    if (next.done) throw new Error('the training data ended before the last epoch');
    return next.value;
  };

  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const acc = new SplitAccumulator(heads);
      const epochStart = performance.now();
      let batchNumber = 0;
      let samplesThisEpoch = 0;
      // Time spent waiting for the next batch's data: zero when reading keeps ahead of training.
      let waitMs = 0;
      let waitStart = performance.now();
      for (let b = 0; b < batchesPerEpoch; b++) {
        const block = await nextBlock();
        waitMs += performance.now() - waitStart;
        if (signal?.aborted) {
          return await end({
            type: 'stopped',
            epoch,
            batch: batchNumber,
            epochsCompleted: history.length,
            seconds: seconds(performance.now() - runStart),
          });
        }
        if (block.size === 0) {
          waitStart = performance.now();
          continue; // every sample of this batch was unreadable
        }
        const stepStart = performance.now();
        const batch = makeBatch(block, imageShape, heads);
        let values: Float32Array;
        try {
          values = await balancing.step(batch);
        } finally {
          disposeBatch(batch);
        }
        step++;
        batchNumber++;
        trainingMs += performance.now() - stepStart;

        const taskLosses = SplitAccumulator.batchTaskLosses(heads, values, batch.size);
        const broken = heads.find((h) => !Number.isFinite(taskLosses[h.task]));
        if (broken) {
          const what = Number.isNaN(taskLosses[broken.task]) ? 'NaN' : 'infinite';
          return await end({
            type: 'failed',
            code: 'E_NAN_LOSS',
            message: `The loss of task '${broken.task}' became ${what} in epoch ${epoch} (batch ${batchNumber}), so training stopped; try a lower learning rate or check the '${broken.target}' targets.`,
            epoch,
            task: broken.task,
          });
        }
        acc.add(values, batch.size);
        samplesThisEpoch += batch.size;

        const now = performance.now();
        if (now - lastBatchEvent >= interval) {
          lastBatchEvent = now;
          const msPerStep = trainingMs / step;
          await onEvent({
            type: 'batch',
            epoch,
            batch: batchNumber,
            batchesPerEpoch,
            step,
            loss: weightedTotal(taskLosses, balancing.lastWeights),
            tasks: taskLosses,
            weights: balancing.lastWeights,
            samplesPerSec: (samplesSoFar(samplesThisEpoch) * 1000) / Math.max(trainingMs, 1),
            etaSeconds: seconds((totalSteps - step) * msPerStep),
          });
        }
        await yieldToEventLoop();
        waitStart = performance.now();
      }
      const trainMs = performance.now() - epochStart;
      const trained = acc.result();
      const { weights, diagnostics } = balancing.endEpoch(
        heads.map((h) => h.lossWeight * (trained.tasks[h.task]?.loss ?? 0)),
      );
      const val = await evaluateSplit(
        model,
        heads,
        dataset.splits.validation,
        imageShape,
        settings.batchSize,
        weights,
      );
      const event: EpochEvent = {
        type: 'epoch',
        epoch,
        epochs: settings.epochs,
        train: acc.result(weights),
        val,
        samplesPerSec: (samplesThisEpoch * 1000) / Math.max(trainMs, 1),
        seconds: seconds(performance.now() - epochStart),
        backend: backend.name,
        dataWaitSeconds: seconds(waitMs),
        weights,
        ...(diagnostics ? { diagnostics } : {}),
      };
      const unreadable = train.unreadable() + dataset.splits.validation.unreadable();
      if (unreadable > 0) event.unreadable = unreadable;
      history.push(event);
      samplesBefore += samplesThisEpoch;
      await onEvent(event);
    }
  } catch (e) {
    return await end({
      type: 'failed',
      code: 'E_TRAINING_CRASHED',
      message: `Training failed in the ${backend.name} backend: ${(e as Error).message}`,
      ...(history.length < settings.epochs ? { epoch: history.length + 1 } : {}),
    });
  }
  return await end({
    type: 'finished',
    epochs: history.length,
    seconds: seconds(performance.now() - runStart),
  });
}
