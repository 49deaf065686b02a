import type { HostEvent } from '../../../core/contract/host.ts';
import type { SplitMetrics } from '../../../core/contract/training.ts';
import {
  trainingSettingsSchema,
  type GraphDocument,
  type TrainingSettings,
} from '../../../core/graph/schema.ts';
import { asRunId } from '../../../core/ids.ts';
import type { StartedEvent } from './run-reducer.ts';

/** Small, realistic host events for the run store's tests. */

export const RUN = asRunId('run-1');

export const settings: TrainingSettings = trainingSettingsSchema.parse({
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0.9,
  batchSize: 32,
  epochs: 2,
  shuffle: true,
  seed: 42,
  dataset: 'digits',
});

export const graph = {
  format: 'multitask-studio/graph',
  version: 1,
  name: 'Keras reference',
  description: '',
  nodes: [],
  edges: [],
  training: settings,
} satisfies GraphDocument;

export const startedEvent: StartedEvent = {
  type: 'started',
  backend: {
    name: 'wasm',
    description: 'WebAssembly (tfjs-backend-wasm, SIMD, 1 thread)',
    fallbacks: [{ backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed.' }],
  },
  dataset: { name: 'digits', sizes: { train: 800, validation: 100, test: 100 } },
  tasks: [
    {
      task: 'class',
      nodeId: 'class_output',
      kind: 'ClassificationHead',
      loss: 'categoricalCrossentropy',
      lossWeight: 1,
      target: 'class',
      metrics: ['accuracy'],
    },
    {
      task: 'box',
      nodeId: 'box_output',
      kind: 'BoxHead',
      loss: 'binaryCrossentropy',
      lossWeight: 1,
      target: 'box',
      metrics: ['meanIoU', 'iou50'],
    },
  ],
  epochs: 2,
  batchSize: 32,
  batchesPerEpoch: 25,
  parameters: 1234,
};

export const started = (runId: string = RUN): HostEvent => ({
  type: 'run',
  runId,
  event: startedEvent,
});

export const batch = (step: number, runId: string = RUN): HostEvent => ({
  type: 'run',
  runId,
  event: {
    type: 'batch',
    epoch: Math.floor((step - 1) / 25) + 1,
    batch: ((step - 1) % 25) + 1,
    batchesPerEpoch: 25,
    step,
    loss: 3 / step,
    tasks: { class: 2 / step, box: 1 / step },
    samplesPerSec: 50,
    etaSeconds: 50 - step,
  },
});

export const split = (loss: number): SplitMetrics => ({
  loss,
  samples: 100,
  tasks: {
    class: { loss: loss / 2, accuracy: 0.9 },
    box: { loss: loss / 2, meanIoU: 0.6, iou50: 0.7 },
  },
});

export const epoch = (n: number, runId: string = RUN): HostEvent => ({
  type: 'run',
  runId,
  event: {
    type: 'epoch',
    epoch: n,
    epochs: 2,
    train: split(1 / n),
    val: split(1.2 / n),
    samplesPerSec: 48,
    seconds: 16,
    backend: 'wasm',
  },
});
