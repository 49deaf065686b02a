import { beforeAll, describe, expect, it } from 'vitest';
import {
  trainingEventSchema,
  type BackendInfo,
  type TrainingEvent,
} from '../../core/contract/training.ts';
import { loadBuiltInDataset, type Dataset } from '../datasets/index.ts';
import { initBackend } from './backend.ts';
import { compileGraph } from './compile.ts';
import { tinyReferenceGraph } from './test-graphs.ts';
import { tf } from './tf.ts';
import { trainModel, type TrainOptions } from './trainer.ts';
import { memoryReader } from './batches.ts';
import { predictSamples } from './evaluate.ts';

let backend: BackendInfo;
let digits: Dataset;

beforeAll(async () => {
  backend = await initBackend('wasm');
  digits = loadBuiltInDataset('digits', { imageShape: [16, 16, 3], seed: 3, limit: 240 });
});

async function train(
  overrides: Partial<TrainOptions> & { graph?: ReturnType<typeof tinyReferenceGraph> } = {},
) {
  const graph = overrides.graph ?? tinyReferenceGraph();
  const compiled = compileGraph(graph);
  const events: TrainingEvent[] = [];
  const tensorsAfterEpoch: number[] = [];
  const result = await trainModel({
    compiled,
    dataset: digits,
    settings: graph.training,
    backend,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'epoch') tensorsAfterEpoch.push(tf.memory().numTensors);
    },
    ...overrides,
  });
  return { result, events, tensorsAfterEpoch, compiled };
}

describe('trainModel', () => {
  it('lowers both task losses, leaks no tensors and emits valid events', async () => {
    const before = tf.memory().numTensors;
    const { result, events, tensorsAfterEpoch, compiled } = await train();
    expect(result.status).toBe('finished');
    expect(result.history).toHaveLength(3);
    const [first, , last] = result.history;
    for (const task of ['class', 'box']) {
      expect(last?.train.tasks[task]?.loss).toBeLessThan(first?.train.tasks[task]?.loss ?? 0);
      expect(last?.val.tasks[task]?.loss).toBeLessThan(first?.val.tasks[task]?.loss ?? 0);
    }
    expect(last?.train.tasks.class?.accuracy).toBeGreaterThan(
      first?.train.tasks.class?.accuracy ?? 1,
    );
    expect(last?.val.tasks.box?.meanIoU).toBeGreaterThan(0);
    // Every epoch ends with the same tensors alive: the model's weights and the optimizer's slots.
    expect(new Set(tensorsAfterEpoch).size).toBe(1);
    for (const e of events)
      expect(trainingEventSchema.safeParse(JSON.parse(JSON.stringify(e))).success).toBe(true);
    expect(events[0]?.type).toBe('started');
    expect(events.at(-1)?.type).toBe('finished');
    compiled.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports train and validation loss as Σ weight × task loss', async () => {
    const graph = tinyReferenceGraph({ classWeight: 0.5, boxWeight: 3 });
    const { result, compiled } = await train({ graph, settings: { ...graph.training, epochs: 1 } });
    const epoch = result.history[0];
    for (const split of [epoch?.train, epoch?.val]) {
      const t = split?.tasks ?? {};
      expect(split?.loss).toBeCloseTo(0.5 * (t.class?.loss ?? 0) + 3 * (t.box?.loss ?? 0), 5);
    }
    compiled.model.dispose();
  });

  it('stops between batches when asked', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const { result, compiled } = await train({
      signal: controller.signal,
      batchEventIntervalMs: 0,
      onEvent: (e) => {
        seen.push(e.type);
        if (e.type === 'batch' && e.batch === 2) controller.abort();
      },
    });
    expect(seen).toEqual(['started', 'batch', 'batch', 'stopped']);
    expect(result.status).toBe('stopped');
    expect(result.last).toMatchObject({ type: 'stopped', epoch: 1, batch: 2, epochsCompleted: 0 });
    compiled.model.dispose();
  });

  it('ends with a sentence naming the task and epoch when a loss becomes NaN', async () => {
    const box = new Float32Array(digits.splits.train.targets.box as Float32Array);
    box.fill(Number.NaN, 40, 44); // sample 10 of the training split has a broken box
    const broken: Dataset = {
      ...digits,
      splits: {
        ...digits.splits,
        train: { ...digits.splits.train, targets: { ...digits.splits.train.targets, box } },
      },
    };
    const graph = tinyReferenceGraph();
    const { result, compiled } = await train({
      dataset: broken,
      settings: { ...graph.training, shuffle: false },
    });
    expect(result.status).toBe('failed');
    expect(result.last).toMatchObject({
      type: 'failed',
      code: 'E_NAN_LOSS',
      task: 'box',
      epoch: 1,
    });
    expect(result.last.type === 'failed' && result.last.message).toBe(
      "The loss of task 'box' became NaN in epoch 1 (batch 1), so training stopped; try a lower learning rate or check the 'box' targets.",
    );
    compiled.model.dispose();
  });

  it('throttles batch events to the interval', async () => {
    const graph = tinyReferenceGraph();
    const every = await train({
      batchEventIntervalMs: 0,
      settings: { ...graph.training, epochs: 1 },
    });
    const batches = every.events.filter((e) => e.type === 'batch').length;
    expect(batches).toBe(Math.ceil(digits.splits.train.size / graph.training.batchSize));
    const slow = await train({
      batchEventIntervalMs: 60_000,
      settings: { ...graph.training, epochs: 1 },
    });
    expect(slow.events.filter((e) => e.type === 'batch')).toHaveLength(1);
    every.compiled.model.dispose();
    slow.compiled.model.dispose();
  });

  it.each(['sgd', 'rmsprop', 'adam'] as const)('trains with %s', async (optimizer) => {
    const graph = tinyReferenceGraph();
    const { compiled } = await train({ settings: { ...graph.training, optimizer, epochs: 1 } });
    const fresh = compileGraph(graph);
    const kernel = (m: typeof compiled) =>
      Array.from(m.model.getLayer('fc').getWeights()[0]?.dataSync() ?? []);
    expect(kernel(compiled)).not.toEqual(kernel(fresh));
    compiled.model.dispose();
    fresh.model.dispose();
  });

  it('counts the time spent waiting for slow data, and leaves out unreadable samples', async () => {
    const slow = (reader: ReturnType<typeof memoryReader>, ms: number) => ({
      ...reader,
      unreadable: () => 2,
      read: async (indices: ArrayLike<number>) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        // The first two samples of the split are 'unreadable': left out of their block.
        return reader.read(Array.from(indices).filter((i) => i > 1));
      },
    });
    const graph = tinyReferenceGraph();
    const { result } = await train({
      graph,
      settings: { ...graph.training, epochs: 1, shuffle: false },
      dataset: {
        name: 'slow',
        imageShape: digits.imageShape,
        targets: digits.targets,
        splits: {
          train: slow(memoryReader(digits.splits.train), 40),
          validation: memoryReader(digits.splits.validation),
          test: memoryReader(digits.splits.test),
        },
      },
    });
    const [epoch] = result.history;
    expect(epoch?.train.samples).toBe(digits.splits.train.size - 2);
    expect(epoch?.unreadable).toBe(2);
    // The first read has nothing to overlap with: at least 40 ms of waiting.
    expect(epoch?.dataWaitSeconds).toBeGreaterThanOrEqual(0.035);
  });

  it('predicts samples per head for a results gallery', async () => {
    const { model, heads } = compileGraph(tinyReferenceGraph());
    const { block, predictions } = await predictSamples(
      model,
      heads,
      memoryReader(digits.splits.validation),
      digits.imageShape,
      3,
    );
    const [classes, boxes] = predictions;
    expect(block.size).toBe(3);
    expect(classes).toHaveLength(3);
    expect(classes?.[0]).toHaveLength(10);
    expect(boxes?.[2]).toHaveLength(4);
    model.dispose();
  });
});
