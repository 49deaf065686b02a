import type { BackendInfo } from '../../core/contract/training.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import type { Dataset, TrainingData } from '../datasets/types.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { batchIndices, disposeBatch, makeBatch, type Batch } from '../engine/batches.ts';
import { compileGraph } from '../engine/compile.ts';
import { outputsOf } from '../engine/evaluate.ts';
import { createOptimizer } from '../engine/optimizer.ts';
import { fixedTotal } from '../engine/balancing/step-kit.ts';
import { batchLosses } from '../engine/split-stats.ts';
import { tf, type Tensor } from '../engine/tf.ts';
import { trainModel, type EpochEvent } from '../engine/trainer.ts';

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * The graph with the trunk-gradient probes off. The probes are per epoch (4 by default): a
 * full-size run of the reference model measures one every 62 of its 250 steps, but a benchmark
 * epoch of a few batches would measure one every step and time the diagnostics, not training.
 * The balancing benchmark times them on their own.
 */
export const withoutProbes = (graph: GraphDocument): GraphDocument => ({
  ...graph,
  training: {
    ...graph.training,
    balancing: { ...graph.training.balancing, probesPerEpoch: 0 },
  },
});

export interface BenchSettings {
  readonly graph: GraphDocument;
  readonly dataset: Dataset;
  readonly backend: BackendInfo;
  readonly batchSize: number;
  /** Timed epochs after one warm-up epoch. */
  readonly epochs: number;
}

/** Samples/s of each timed epoch through the real trainer (validation time excluded). */
export async function trainerThroughput(
  s: Omit<BenchSettings, 'dataset'> & {
    readonly dataset: Dataset | TrainingData;
    /** Told of every epoch that ends, the warm-up's included. */
    readonly onEpoch?: (event: EpochEvent) => void;
  },
): Promise<number[]> {
  return (await trainerEpochs(s)).map((e) => e.samplesPerSec);
}

/** The epoch events of the timed epochs (after one warm-up) through the real trainer. */
export async function trainerEpochs(
  s: Omit<BenchSettings, 'dataset'> & {
    readonly dataset: Dataset | TrainingData;
    readonly onEpoch?: (event: EpochEvent) => void;
  },
): Promise<EpochEvent[]> {
  const compiled = compileGraph(s.graph);
  const result = await trainModel({
    compiled,
    dataset: s.dataset,
    settings: { ...s.graph.training, epochs: s.epochs + 1, batchSize: s.batchSize },
    backend: s.backend,
    onEvent: (event) => {
      if (event.type === 'epoch') s.onEpoch?.(event);
    },
  });
  compiled.model.dispose();
  if (result.status !== 'finished') throw new Error(`the benchmark run ended ${result.status}`);
  return result.history.slice(1);
}

/** Samples/s of each epoch after the first (the warm-up), running `step` on every batch. */
async function timeEpochs(
  s: BenchSettings,
  step: (batch: Batch) => Promise<void>,
): Promise<number[]> {
  const train = s.dataset.splits.train;
  const heads = analyzeGraph(s.graph).heads;
  const order = Int32Array.from({ length: train.size }, (_, i) => i);
  const rates: number[] = [];
  for (let epoch = 0; epoch <= s.epochs; epoch++) {
    const start = performance.now();
    for (const indices of batchIndices(order, s.batchSize)) {
      const batch = makeBatch(train, s.dataset.imageShape, heads, indices);
      await step(batch);
      disposeBatch(batch);
    }
    if (epoch > 0) rates.push((train.size * 1000) / (performance.now() - start));
  }
  return rates;
}

/**
 * The same steps with nothing of the trainer around them: no per-task read-back, no metrics, no
 * events, no shuffling — the floor the trainer's overhead is measured against.
 */
export async function bareLoopThroughput(s: BenchSettings): Promise<number[]> {
  const bare = bareSteps(s.graph);
  const rates = await timeEpochs(s, bare.step);
  bare.dispose();
  return rates;
}

/** A fresh model of the graph and its optimizer, stepped with nothing around the step. */
export function bareSteps(graph: GraphDocument): {
  step: (batch: Batch) => Promise<void>;
  dispose: () => void;
} {
  const { model, heads } = compileGraph(graph);
  const optimizer = createOptimizer(graph.training);
  return {
    step: async (batch) => {
      const cost = optimizer.minimize(() => {
        const preds = outputsOf(model.apply(batch.x, { training: true }) as Tensor | Tensor[]);
        return fixedTotal(heads, batchLosses(heads, batch.ys, preds).means);
      }, true);
      // One read per step, as any loop that wants to see its loss must do.
      await cost?.data();
      cost?.dispose();
    },
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** Inference samples/s over the training split, for scale. */
export async function forwardThroughput(s: BenchSettings): Promise<number[]> {
  const { model } = compileGraph(s.graph);
  const rates = await timeEpochs(s, async (batch) => {
    const preds = outputsOf(model.apply(batch.x, { training: false }) as Tensor | Tensor[]);
    await Promise.all(preds.map((p) => p.data()));
    tf.dispose(preds);
  });
  model.dispose();
  return rates;
}
