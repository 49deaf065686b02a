import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo, TrainingEvent } from '../../core/contract/training.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { uNetGraph } from '../export/test-exports.ts';
import { initBackend } from './backend.ts';
import { compileGraph } from './compile.ts';
import {
  javascriptKernels,
  placementNote,
  type KernelCall,
  placementOnWasm,
  stepKernels,
  withPlacement,
} from './kernel-placement.ts';
import { graphOf, tinyReferenceGraph } from './test-graphs.ts';
import { tf } from './tf.ts';
import { trainModel } from './trainer.ts';

let backend: BackendInfo;

beforeAll(async () => {
  backend = await initBackend('wasm');
});

/** The kernel calls of one training step of `graph` on two random images and one-hot classes. */
async function kernelsOf(graph: GraphDocument): Promise<KernelCall[]> {
  const { model, heads, analysis } = compileGraph(graph);
  const [h = 0, w = 0, c = 0] = analysis.nodes.get(analysis.inputId!)?.outputShape ?? [];
  const x = tf.randomUniform([2, h, w, c], 0, 1, 'float32', 1) as tf.Tensor4D;
  const ys = heads.map((head) =>
    head.targetKind === 'class'
      ? tf.oneHot(tf.tensor1d([0, 1], 'int32'), head.units).toFloat()
      : tf.randomUniform([2, head.units], 0, 1, 'float32', 2),
  );
  const kernels = await stepKernels(model, heads, { x, ys, size: 2 });
  tf.dispose([x, ...ys]);
  model.dispose();
  return kernels;
}

const depthwiseGraph = () =>
  graphOf(
    'depthwise',
    [
      { id: 'image', kind: 'Input', params: { height: 8, width: 8, channels: 3 } },
      { id: 'conv', kind: 'Conv2D', params: { filters: 4, kernelSize: 3 } },
      { id: 'dw', kind: 'DepthwiseConv2D', params: { kernelSize: 3 } },
      { id: 'flat', kind: 'Flatten', params: {} },
      { id: 'cls', kind: 'ClassificationHead', params: { task: 'class', classes: 10 } },
    ],
    [
      ['image', 'conv'],
      ['conv', 'dw'],
      ['dw', 'flat'],
      ['flat', 'cls'],
    ],
    { dataset: 'digits', batchSize: 2, epochs: 1 },
  );

describe('kernel placement on WebAssembly', () => {
  afterEach(() => {
    if (tf.getKernel('MtsPlacementProbe', 'wasm') !== undefined) {
      tf.unregisterKernel('MtsPlacementProbe', 'wasm');
    }
  });

  it('says so when every kernel of a step runs on WebAssembly', async () => {
    const kernels = await kernelsOf(tinyReferenceGraph());
    // The step's convolution, its two gradients and the shape-only Reshape of Flatten ran.
    expect(kernels.map((k) => k.name)).toEqual(
      expect.arrayContaining(['Conv2D', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Reshape']),
    );
    expect(javascriptKernels(kernels)).toEqual([]);
    expect(withPlacement(backend, kernels).description).toBe(
      `${backend.description}; every kernel on WebAssembly`,
    );
  });

  it('names the engine’s JavaScript depthwise gradients, and none in a U-Net', async () => {
    expect(placementNote('wasm', await kernelsOf(depthwiseGraph()))).toBe(
      'on JavaScript: DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput',
    );
    // A U-Net's skip concatenation along channels and its gradient's split are the engine's box
    // copies; upsampling, transposed convolutions and their gradients are the backend's own.
    const unet = await kernelsOf(uNetGraph());
    expect(unet.map((k) => k.name)).toEqual(expect.arrayContaining(['Concat', 'SplitV']));
    expect(javascriptKernels(unet)).toEqual([]);
  });

  it('names a kernel registered on wasm without a WebAssembly function, and forgets it once removed', () => {
    tf.registerKernel({
      kernelName: 'MtsPlacementProbe',
      backendName: 'wasm',
      kernelFunc: ({ inputs }) => inputs['x'] as tf.TensorInfo,
    });
    const probe = { name: 'MtsPlacementProbe' };
    expect(placementOnWasm(probe)).toBe('JavaScript');
    expect(placementNote('wasm', [{ name: 'Conv2D' }, probe, { name: 'Reshape' }])).toBe(
      'on JavaScript: MtsPlacementProbe',
    );
    tf.unregisterKernel('MtsPlacementProbe', 'wasm');
    expect(placementOnWasm(probe)).toBeUndefined();
    expect(placementNote('wasm', [{ name: 'Conv2D' }, probe])).toBe('every kernel on WebAssembly');
  });

  it('puts channel concatenations, splits and slices on WebAssembly (the box copies)', () => {
    const channels = {
      name: 'Concat',
      inputShapes: [
        [2, 4, 4, 3],
        [2, 4, 4, 5],
      ],
      outputShapes: [[2, 4, 4, 8]],
    };
    const some = { name: 'Slice', inputShapes: [[2, 4, 4, 8]], outputShapes: [[2, 4, 4, 3]] };
    const split = { name: 'SplitV', inputShapes: [[2, 4, 4, 8]], outputShapes: [[2, 4, 4, 3]] };
    for (const call of [channels, some, split]) expect(placementOnWasm(call)).toBe('WebAssembly');
  });

  it('puts the placement in the backend line of a training run’s started event', async () => {
    const graph = depthwiseGraph();
    const events: TrainingEvent[] = [];
    const result = await trainModel({
      compiled: compileGraph(graph),
      dataset: loadBuiltInDataset('digits', { imageShape: [8, 8, 3], seed: 3, limit: 40 }),
      // Probes off: Balancing frees the probe batch at once, so the census must come first.
      settings: {
        ...graph.training,
        epochs: 1,
        batchSize: 8,
        balancing: { ...graph.training.balancing, probesPerEpoch: 0 },
      },
      backend,
      onEvent: (e) => void events.push(e),
    });
    expect(result.status).toBe('finished');
    const started = events.find((e) => e.type === 'started');
    expect(started?.type === 'started' && started.backend.description).toBe(
      `${backend.description}; on JavaScript: DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput`,
    );
  });

  it('adds nothing off WebAssembly', () => {
    const concat = [{ name: 'Concat' }];
    expect(placementNote('cpu', concat)).toBe('');
    const cpu = { ...backend, name: 'cpu' as const };
    expect(withPlacement(cpu, concat)).toBe(cpu);
  });
});
