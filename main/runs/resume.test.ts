import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BalancingMethodName } from '../../core/balancing/methods.ts';
import type { BackendName } from '../../core/contract/training.ts';
import type { GraphDocument, TrainingSettings } from '../../core/graph/schema.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { tf } from '../engine/tf.ts';
import { resumeTraining, runTraining } from './run-training.ts';

/** Everything that keeps state across epochs is on: moments, schedule, decay, augmentation. */
const overrides: Partial<TrainingSettings> = {
  epochs: 4,
  limit: 30,
  batchSize: 8,
  weightDecay: 0.01,
  clipNorm: 5,
  schedule: {
    kind: 'cosine',
    warmupEpochs: 0.5,
    minLearningRate: 0.0001,
    stepEpochs: 10,
    factor: 0.1,
    patience: 2,
  },
  datasetOptions: tinyReferenceGraph().training.datasetOptions,
};
overrides.datasetOptions = {
  ...(overrides.datasetOptions as TrainingSettings['datasetOptions']),
  augment: { flip: false, shift: 0.1, scale: 0.1, brightness: 0.1, contrast: 0 },
};

const lossesOf = async (dir: string) => {
  const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')) as {
    history: {
      epoch: number;
      train: { loss: number };
      val: { loss: number };
      weights?: Record<string, number>;
    }[];
  };
  // The balancing method's weights go on exactly too (the uncertainty method learns them).
  return metrics.history.map((e) => [
    e.epoch,
    e.train.loss,
    e.val.loss,
    ...Object.values(e.weights ?? {}),
  ]);
};

/**
 * The tiny reference without its convolution, for the CPU backend whose convolutions are slow,
 * and with Dropout, whose masks go on from the checkpoint's step count.
 */
function denseOnly(): GraphDocument {
  const graph = tinyReferenceGraph({ dropout: true });
  const nodes = graph.nodes.filter((n) => n.id !== 'conv' && n.id !== 'pool');
  const edges = graph.edges.filter((e) => !['conv', 'pool'].includes(e.source) && e.target !== 'conv');
  edges.push({ id: 'image-flat', source: 'image', target: 'flat', targetPort: 'in' });
  return { ...graph, nodes, edges };
}

describe.each([
  ['wasm', tinyReferenceGraph, 'uncertainty'],
  // Its random draws go on from the saved generator, not from the seed again.
  ['wasm', tinyReferenceGraph, 'rlw'],
  ['cpu', denseOnly, 'fixed'],
] as [BackendName, () => GraphDocument, BalancingMethodName][])('resume on %s with %s balancing', (backend, makeGraph, method) => {
  it('a run stopped after epoch 2 and resumed to 4 equals an uninterrupted run', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-resume-'));
    const base = makeGraph();
    const graph: GraphDocument = {
      ...base,
      training: { ...base.training, balancing: { method, params: {}, probesPerEpoch: 2 } },
    };
    const whole = await runTraining({ graph, overrides, out: join(root, 'whole'), backend });
    expect(whole.status).toBe('finished');

    const controller = new AbortController();
    const stopped = await runTraining({
      graph,
      overrides,
      out: join(root, 'parts'),
      backend,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.epoch === 2) controller.abort();
      },
    });
    expect(stopped.status).toBe('stopped');
    expect(stopped.manifest).toMatchObject({ epochsCompleted: 2 });

    const tensors = tf.memory().numTensors;
    const resumed = await resumeTraining({ dir: join(root, 'parts'), backend });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(resumed.status).toBe('finished');
    expect(resumed.manifest).toMatchObject({ status: 'finished', epochsCompleted: 4 });

    const expected = await lossesOf(join(root, 'whole'));
    const got = await lossesOf(join(root, 'parts'));
    expect(got.map((e) => e[0])).toEqual([1, 2, 3, 4]);
    got.forEach((epoch, i) =>
      epoch.forEach((value, k) => expect(value).toBeCloseTo(expected[i]?.[k] as number, 5)),
    );
    expect(resumed.test?.loss).toBeCloseTo(whole.test?.loss as number, 5);
    if (method !== 'fixed') {
      const state = (dir: string) => readFile(join(root, dir, 'last', 'balancing.json'), 'utf8');
      expect(JSON.parse(await state('parts'))).toEqual(JSON.parse(await state('whole')));
    }
  });
});

describe('resume', () => {
  it('refuses a run without a checkpoint, and a target it has already reached', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-resume-'));
    const done = await runTraining({
      graph: tinyReferenceGraph(),
      overrides: { epochs: 1, limit: 30 },
      out: join(root, 'one'),
      backend: 'wasm',
    });
    await expect(resumeTraining({ dir: done.dir, epochs: 1 })).rejects.toThrow(
      /has already trained 1 epochs; give more epochs to reach \(for example --epochs 6\)/,
    );
    await expect(resumeTraining({ dir: root })).rejects.toThrow(/not a Multitask Studio run folder/);
  });
});
