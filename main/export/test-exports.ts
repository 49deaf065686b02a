import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { compileGraph } from '../engine/compile.ts';
import { graphOf } from '../engine/test-graphs.ts';
import { saveModel } from '../engine/model-io.ts';
import { tf, type LayersModel } from '../engine/tf.ts';
import { createRng } from '../datasets/rng.ts';
import { GRAPH_FILE, MODEL_DIR } from '../runs/run-manifest.ts';

/** Exports are checked against the studio's own model on graphs like these, with tiny sizes. */

export const exampleGraph = async (name: string): Promise<GraphDocument> =>
  parseGraphDocument(
    JSON.parse(await readFile(join('assets/examples', `${name}.graph.json`), 'utf8')),
  );

/** Every node kind and every activation once, on 12×12 images, with three heads. */
export function everyKindGraph(): GraphDocument {
  const n = (id: string, kind: string, params: Record<string, unknown> = {}) => ({
    id,
    kind,
    params,
  });
  const nodes = [
    n('image', 'Input', { height: 12, width: 12, channels: 3 }),
    n('stem', 'Conv2D', {
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu6',
    }),
    n('bn', 'BatchNormalization'),
    n('wide', 'Conv2D', {
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      activation: 'elu',
      useBias: false,
    }),
    n('dw', 'DepthwiseConv2D', { depthMultiplier: 2, activation: 'relu', useBias: false }),
    n('sep', 'SeparableConv2D', { filters: 6, kernelSize: 2, activation: 'linear' }),
    n('sum', 'Add'),
    n('act_selu', 'Activation', { activation: 'selu' }),
    n('leaky', 'LeakyReLU', { alpha: 0.2 }),
    n('pad', 'ZeroPadding2D', { top: 1, bottom: 0, left: 1, right: 0 }),
    n('capped', 'ReLU', { maxValue: 0.5 }),
    n('shares', 'Softmax'),
    n('relu', 'ReLU'),
    n('as_image', 'Reshape', { shape: '2x1x5' }),
    n('as_vector', 'Reshape', { shape: '10' }),
    n('max', 'MaxPooling2D', { poolSize: 3, strides: 2, padding: 'same' }),
    n('avg', 'AveragePooling2D', { poolSize: 2, padding: 'valid' }),
    n('narrow', 'Conv2D', { filters: 4, kernelSize: 2, padding: 'same', activation: 'tanh' }),
    n('join', 'Concatenate', { axis: 2 }),
    n('gap', 'GlobalAveragePooling2D'),
    n('flat', 'Flatten'),
    n('fc', 'Dense', { units: 10, activation: 'gelu' }),
    n('drop', 'Dropout', { rate: 0.3 }),
    n('act_swish', 'Activation', { activation: 'swish' }),
    n('act_mish', 'Activation', { activation: 'mish' }),
    n('fc2', 'Dense', { units: 8, activation: 'softplus', useBias: false }),
    n('act_softsign', 'Activation', { activation: 'softsign' }),
    n('act_sigmoid', 'Activation', { activation: 'sigmoid' }),
    n('act_softmax', 'Activation', { activation: 'softmax' }),
    n('vec_bn', 'BatchNormalization'),
    n('joined', 'Concatenate', { axis: -1 }),
    n('cls', 'ClassificationHead', { task: 'kind', classes: 3 }),
    n('box', 'BoxHead', { task: 'where' }),
    n('reg', 'RegressionHead', { task: 'colour', units: 2 }),
    n('tags', 'AttributesHead', { task: 'tags', attributes: 5 }),
  ];
  const edges: [string, string, string?][] = [
    ['image', 'stem'],
    ['stem', 'bn'],
    ['bn', 'leaky'],
    ['leaky', 'dw'],
    ['dw', 'sep'],
    ['sep', 'wide'],
    ['bn', 'sum', 'in0'],
    ['wide', 'sum', 'in1'],
    ['sum', 'act_selu'],
    ['act_selu', 'max'],
    ['act_selu', 'pad'],
    ['pad', 'avg'],
    ['avg', 'narrow'],
    ['max', 'join', 'in0'],
    ['narrow', 'capped'],
    ['capped', 'join', 'in1'],
    ['join', 'shares'],
    ['shares', 'gap'],
    ['join', 'flat'],
    ['flat', 'fc'],
    ['fc', 'drop'],
    ['drop', 'act_swish'],
    ['act_swish', 'act_mish'],
    ['act_mish', 'relu'],
    ['relu', 'fc2'],
    ['fc2', 'act_softsign'],
    ['act_softsign', 'act_sigmoid'],
    ['act_sigmoid', 'act_softmax'],
    ['gap', 'as_image'],
    ['as_image', 'as_vector'],
    ['as_vector', 'vec_bn'],
    ['vec_bn', 'joined', 'in0'],
    ['act_softmax', 'joined', 'in1'],
    ['joined', 'cls'],
    ['joined', 'box'],
    ['fc', 'reg'],
    ['joined', 'tags'],
  ];
  return graphOf('every kind', nodes, edges, {
    dataset: 'shapes',
    seed: 5,
    epochs: 1,
    batchSize: 8,
    limit: 40,
  });
}

/**
 * A small U-Net on 12×12 images: every way the decoder grows an image (nearest and bilinear
 * UpSampling2D, Conv2DTranspose 'same' and 'valid', a kernel both larger and smaller than the
 * stride) and skips through Concatenate and Add, so crops and pads that are off by a pixel show.
 */
export function uNetGraph(): GraphDocument {
  const n = (id: string, kind: string, params: Record<string, unknown> = {}) => ({
    id,
    kind,
    params,
  });
  const nodes = [
    n('image', 'Input', { height: 12, width: 12, channels: 3 }),
    n('enc1', 'Conv2D', { filters: 4, kernelSize: 3, padding: 'same' }),
    n('pool1', 'MaxPooling2D'),
    n('enc2', 'Conv2D', { filters: 6, kernelSize: 3, padding: 'same' }),
    n('pool2', 'MaxPooling2D'),
    // 3×3 → 6×6 by a transposed 'same' convolution, kernel 3 > stride 2 (crops one at the end).
    n('up_same', 'Conv2DTranspose', {
      filters: 6,
      kernelSize: 3,
      strides: 2,
      activation: 'linear',
    }),
    n('skip_add', 'Add'),
    // 6×6 → 12×12, bilinear.
    n('up_bilinear', 'UpSampling2D', { interpolation: 'bilinear' }),
    n('skip_cat', 'Concatenate'),
    n('dec1', 'Conv2D', { filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }),
    // 3×3 → 7×7 'valid' (kernel 3, stride 2) and 3×3 → 9×9 (kernel 1 < stride 3).
    n('up_valid', 'Conv2DTranspose', { filters: 3, kernelSize: 3, strides: 2, padding: 'valid' }),
    n('up_wide', 'Conv2DTranspose', {
      filters: 2,
      kernelSize: 1,
      strides: 3,
      padding: 'valid',
      activation: 'sigmoid',
      useBias: true,
    }),
    n('up_nearest', 'UpSampling2D', { heightFactor: 2, widthFactor: 3 }),
    n('gap', 'GlobalAveragePooling2D'),
    n('flat_valid', 'Flatten'),
    n('flat_wide', 'Flatten'),
    n('flat_nearest', 'Flatten'),
    n('joined', 'Concatenate', { inputs: 4 }),
    n('cls', 'ClassificationHead', { task: 'kind', classes: 3 }),
    n('reg', 'RegressionHead', { task: 'colour', units: 2 }),
  ];
  const edges: [string, string, string?][] = [
    ['image', 'enc1'],
    ['enc1', 'pool1'],
    ['pool1', 'enc2'],
    ['enc2', 'pool2'],
    ['pool2', 'up_same'],
    ['up_same', 'skip_add', 'in0'],
    ['enc2', 'skip_add', 'in1'],
    ['skip_add', 'up_bilinear'],
    ['up_bilinear', 'skip_cat', 'in0'],
    ['enc1', 'skip_cat', 'in1'],
    ['skip_cat', 'dec1'],
    ['pool2', 'up_valid'],
    ['pool2', 'up_wide'],
    ['pool2', 'up_nearest'],
    ['dec1', 'gap'],
    ['up_valid', 'flat_valid'],
    ['up_wide', 'flat_wide'],
    ['up_nearest', 'flat_nearest'],
    ['gap', 'joined', 'in0'],
    ['flat_valid', 'joined', 'in1'],
    ['flat_wide', 'joined', 'in2'],
    ['flat_nearest', 'joined', 'in3'],
    ['joined', 'cls'],
    ['joined', 'reg'],
  ];
  return graphOf('u-net', nodes, edges, {
    dataset: 'shapes',
    seed: 5,
    epochs: 1,
    batchSize: 8,
    limit: 40,
  });
}

/**
 * The mixing nodes on images, where exports lay tensors out channels-first: a Gate over three
 * convolutions (each share broadcast over a whole image), a Multiply of three and a cross-stitch
 * column over three.
 */
export function gatedImagesGraph(): GraphDocument {
  const n = (id: string, kind: string, params: Record<string, unknown> = {}) => ({
    id,
    kind,
    params,
  });
  const conv = (activation: string) => ({ filters: 4, kernelSize: 3, padding: 'same', activation });
  const nodes = [
    n('image', 'Input', { height: 12, width: 12, channels: 3 }),
    n('c1', 'Conv2D', conv('relu')),
    n('c2', 'Conv2D', conv('tanh')),
    n('c3', 'Conv2D', conv('sigmoid')),
    n('gap', 'GlobalAveragePooling2D'),
    n('gate', 'Gate', { experts: 3 }),
    n('product', 'Multiply', { inputs: 3 }),
    n('stitch', 'CrossStitch', { columns: 3, selfWeight: 0.6 }),
    n('flat', 'Flatten'),
    n('gated_flat', 'Flatten'),
    n('cls', 'ClassificationHead', { task: 'kind', classes: 3 }),
    n('reg', 'RegressionHead', { task: 'colour', units: 2 }),
  ];
  const edges: [string, string, string?][] = [
    ['image', 'c1'],
    ['image', 'c2'],
    ['image', 'c3'],
    ['c1', 'gap'],
    ['gap', 'gate', 'gate'],
    ['c1', 'gate', 'expert1'],
    ['c2', 'gate', 'expert2'],
    ['c3', 'gate', 'expert3'],
    ['gate', 'product', 'in0'],
    ['c2', 'product', 'in1'],
    ['c3', 'product', 'in2'],
    ['product', 'stitch', 'own'],
    ['c1', 'stitch', 'other1'],
    ['gate', 'stitch', 'other2'],
    ['stitch', 'flat'],
    ['gate', 'gated_flat'],
    ['flat', 'cls'],
    ['gated_flat', 'reg'],
  ];
  return graphOf('gated images', nodes, edges, {
    dataset: 'shapes',
    seed: 5,
    epochs: 1,
    batchSize: 8,
    limit: 40,
  });
}

/** The multi-task architecture templates on multidigits. */
export const ARCHITECTURE_TEMPLATES = [
  'multidigits-mmoe',
  'multidigits-cross-stitch',
  'multidigits-mtan',
] as const;

/**
 * A run folder with the graph's model saved as after training: every weight random (batch
 * statistics too), so a wrong layout or a missed bias shows in the outputs.
 */
export async function writeTrainedRun(
  graph: GraphDocument,
  dir: string,
  seed = 7,
): Promise<LayersModel> {
  const { model } = compileGraph(graph, { seed });
  const rng = createRng(seed);
  // Kernels keep their (seeded Glorot) start so activations stay in range; biases and batch
  // statistics, which start at 0 and 1, are made random.
  model.setWeights(
    model.weights.map((w) => {
      const name = w.originalName;
      if (name.endsWith('/kernel')) return w.read();
      const size = w.shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1) ?? 1;
      const positive = /moving_variance|gamma/.test(name);
      const values = Float32Array.from({ length: size }, () =>
        positive ? 0.5 + rng.nextFloat() : (rng.nextFloat() - 0.5) * 0.6,
      );
      return tf.tensor(values, w.shape as number[]);
    }),
  );
  await mkdir(dir, { recursive: true });
  await saveModel(model, join(dir, MODEL_DIR));
  await writeFile(join(dir, GRAPH_FILE), JSON.stringify(graph));
  return model;
}

/** N random images of the input's shape, pixels in [0, 1], as flat NHWC float32. */
export function randomImages(n: number, shape: readonly number[], seed = 11): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => rng.nextFloat());
}

/** The studio's own outputs for the images, task name → flat values. */
export function studioOutputs(
  model: LayersModel,
  tasks: readonly string[],
  images: Float32Array,
  shape: readonly number[],
): Map<string, Float32Array> {
  const n = images.length / shape.reduce((a, b) => a * b, 1);
  const input = tf.tensor(images, [n, ...shape]);
  const out = model.predict(input) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const result = new Map(tasks.map((t, i) => [t, list[i]!.dataSync() as Float32Array]));
  tf.dispose([input, ...list]);
  return result;
}

/** The largest absolute difference between two sets of outputs. */
export function largestDifference(
  a: ReadonlyMap<string, ArrayLike<number>>,
  b: ReadonlyMap<string, ArrayLike<number>>,
): number {
  let worst = 0;
  for (const [task, values] of a) {
    const other = b.get(task);
    if (!other || other.length !== values.length) return Infinity;
    for (let i = 0; i < values.length; i++)
      worst = Math.max(worst, Math.abs(values[i]! - other[i]!));
  }
  return worst;
}
