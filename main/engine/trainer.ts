import { balancingSettingsSchema, type BalancingSettings } from '../../core/balancing/methods.ts';
import { weightedTotal } from '../../core/balancing/objective.ts';
import type {
  BackendInfo,
  EpochEvent,
  DatasetReport,
  EventOf,
  TrainingEvent,
} from '../../core/contract/training.ts';
import { taskInfoOf } from '../../core/graph/analyze.ts';
import type { TrainingSettings } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';
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
import { stepKernels, withPlacement } from './kernel-placement.ts';
import { saveBalancingState, saveCheckpoint, type ResumePoint } from './control/checkpoint.ts';
import { setDropoutStep } from './dropout.ts';
import { endReasonOf } from './control/end-reason.ts';
import { TrainingControl, type ControlSettings } from './control/training-control.ts';
import { evaluateSplit } from './evaluate.ts';
import { createOptimizer } from './optimizer.ts';
import {
  assertUnfreezePlan,
  unfreezeLayers,
  unfreezesAt,
  unfrozenBy,
  type UnfreezeSettings,
} from './control/unfreeze.ts';
import { SplitAccumulator } from './split-stats.ts';

export type { EpochEvent };

export interface TrainOptions {
  readonly compiled: CompiledGraph;
  /** A built-in dataset in memory, or readers that decode files as batches are needed. */
  readonly dataset: Dataset | TrainingData;
  readonly settings: ControlSettings &
    Pick<TrainingSettings, 'batchSize' | 'momentum' | 'shuffle' | 'seed'> &
    Partial<UnfreezeSettings> & {
      readonly balancing?: BalancingSettings;
    };
  readonly backend: BackendInfo;
  /** Abort to stop between batches. */
  readonly signal?: AbortSignal;
  /** Awaited, so a listener may save a checkpoint on an epoch event before training goes on. */
  readonly onEvent: (event: TrainingEvent) => void | Promise<void>;
  /** An imported dataset's report, carried in the started event. */
  readonly datasetReport?: DatasetReport;
  /** Batch events are throttled to one per interval: 50 ms is 20 a second. */
  readonly batchEventIntervalMs?: number;
  /** A checkpoint to go on from: its epochs are not trained again. */
  readonly resume?: ResumePoint;
  /** Awaited after each epoch's validation, before its event: save the model and state here. */
  readonly onCheckpoint?: (checkpoint: EpochCheckpoint) => Promise<void>;
  /** Given the run's balancing before the first step (after a resume's state is restored). */
  readonly onBalancing?: (balancing: Balancing) => void;
}

export interface EpochCheckpoint {
  readonly epoch: number;
  /** This epoch is the best so far by the monitored value. */
  readonly improved: boolean;
  /** Writes the model, the optimizer, the controls' and the balancing's state to a folder. */
  save(dir: string): Promise<void>;
  /** Writes only the balancing method's state (balancing.json) to a folder. */
  saveBalancing(dir: string): Promise<void>;
}

export interface TrainResult {
  readonly status: 'finished' | 'stopped' | 'failed';
  /** Counting the epochs of the checkpoint a resumed run started from. */
  readonly epochsCompleted: number;
  /** The epochs trained by this call. */
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
  const unfreeze = assertUnfreezePlan(compiled.analysis, {
    unfreezeAt: settings.unfreezeAt ?? 0,
    unfreeze: settings.unfreeze ?? 'all',
    unfreezeLearningRate: settings.unfreezeLearningRate,
  });
  const resume = options.resume;
  const firstEpoch = (resume?.state.epochsCompleted ?? 0) + 1;
  // A run resumed after its unfreeze epoch goes on with those nodes trainable, as it left them.
  if (unfrozenBy(unfreeze, firstEpoch) && !unfreezesAt(unfreeze, firstEpoch)) {
    unfreezeLayers(model, unfreeze);
  }
  let optimizer = createOptimizer(settings);
  const control = new TrainingControl({
    settings,
    compiled,
    optimizer,
    stepsPerEpoch: batchesPerEpoch,
    unfreeze,
  });
  const probe = await probeBatch(dataset, heads, settings.batchSize);
  // On WebAssembly the backend line names any kernel of this graph's step that runs as
  // JavaScript; counted before Balancing takes the probe batch (it frees it when probes are off).
  const backendLine =
    backend.name === 'wasm' && probe !== undefined
      ? withPlacement(backend, await stepKernels(model, heads, probe))
      : backend;
  const balancing = new Balancing({
    model,
    analysis: compiled.analysis,
    heads,
    // Every step's gradients go through the control: schedule, regularisation, clipping.
    updater: control,
    settings: settings.balancing ?? balancingSettingsSchema.parse({}),
    seed: settings.seed,
    probe,
    batchesPerEpoch,
    unfrozenLater: new Set(unfreeze.nodes),
  });
  if (resume) {
    await resume.restoreOptimizer(optimizer);
    control.setState(resume.state.control);
    await resume.restoreBalancing(balancing);
    train.resumeAt?.(resume.state.epochsCompleted);
  }
  options.onBalancing?.(balancing);
  const rng = createRng(settings.seed, 0x5eed);
  const order = Int32Array.from({ length: train.size }, (_, i) => i);
  const runStart = performance.now();
  let step = resume?.state.steps ?? 0;
  let trainingMs = 0;
  let lastBatchEvent = -Infinity;
  let samplesBefore = 0;
  const samplesSoFar = (thisEpoch: number) => samplesBefore + thisEpoch;

  const end = async <E extends TrainResult['last']>(ending: E): Promise<TrainResult> => {
    // Reads still in flight finish on their own; their blocks are dropped.
    await blocks.return(undefined);
    balancing.dispose();
    optimizer.dispose();
    const best = control.best;
    const event =
      ending.type === 'failed'
        ? ending
        : {
            ...ending,
            reason: endReasonOf(ending, best, settings.earlyStopping.restoreBest),
            ...(best ? { bestEpoch: best.epoch } : {}),
          };
    await onEvent(event);
    const epochsCompleted = firstEpoch - 1 + history.length;
    return { status: event.type, epochsCompleted, history, last: event };
  };

  await onEvent({
    type: 'started',
    backend: backendLine,
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
      // A resumed run replays the shuffles of the epochs it skips: the same order as if never stopped.
      if (epoch < firstEpoch) continue;
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
    for (let epoch = firstEpoch; epoch <= settings.epochs; epoch++) {
      const unfrozen = unfreezesAt(unfreeze, epoch);
      if (unfrozen) {
        // The fine-tune's second phase: the nodes train from here, with a fresh optimizer at
        // the unfreeze learning rate, as Keras' recompile after `trainable = True` does.
        unfreezeLayers(model, unfreeze);
        balancing.takeVariables();
        optimizer.dispose();
        optimizer = createOptimizer(settings);
        control.unfrozen(optimizer);
      }
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
            epochsCompleted: firstEpoch - 1 + history.length,
            seconds: seconds(performance.now() - runStart),
          });
        }
        if (block.size === 0) {
          waitStart = performance.now();
          continue; // every sample of this batch was unreadable
        }
        const stepStart = performance.now();
        const learningRate = control.beginStep(step);
        // Dropout masks follow the step count, which checkpoints keep: a resumed run masks alike.
        setDropoutStep(model, step);
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
            learningRate,
          });
        }
        await yieldToEventLoop();
        waitStart = performance.now();
      }
      const trainMs = performance.now() - epochStart;
      const trained = acc.result();
      const { weights, diagnostics, trunkNote } = balancing.endEpoch(
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
        learningRate: control.learningRate,
        weights,
        ...(diagnostics ? { diagnostics } : {}),
        ...(trunkNote ? { trunkNote } : {}),
        ...(unfrozen ? { unfrozen: [...unfreeze.nodes] } : {}),
      };
      const unreadable = train.unreadable() + dataset.splits.validation.unreadable();
      if (unreadable > 0) event.unreadable = unreadable;
      const verdict = control.endEpoch(event);
      event.best = verdict.best;
      samplesBefore += samplesThisEpoch;
      await options.onCheckpoint?.({
        epoch,
        improved: verdict.improved,
        save: (dir) =>
          saveCheckpoint(dir, {
            model,
            optimizer,
            balancing,
            state: {
              format: 'multitask-studio/checkpoint',
              epochsCompleted: epoch,
              steps: step,
              control: control.getState(),
            },
          }),
        saveBalancing: (dir) => saveBalancingState(dir, balancing),
      });
      // Only now is the epoch done: one whose checkpoint could not be saved is not counted.
      history.push(event);
      await onEvent(event);
      if (verdict.stopReason) {
        return await end({
          type: 'finished',
          epochs: epoch,
          seconds: seconds(performance.now() - runStart),
          reason: verdict.stopReason,
        });
      }
    }
  } catch (e) {
    // A sentence of the run's own (a full disk, a deleted run folder) is said as it is.
    const said = e instanceof StudioError;
    return await end({
      type: 'failed',
      code: said ? e.code : 'E_TRAINING_CRASHED',
      message: said
        ? e.message
        : `Training failed in the ${backend.name} backend: ${(e as Error).message}`,
      ...(firstEpoch + history.length <= settings.epochs
        ? { epoch: firstEpoch + history.length }
        : {}),
    });
  }
  return await end({
    type: 'finished',
    epochs: firstEpoch - 1 + history.length,
    seconds: seconds(performance.now() - runStart),
  });
}
