import { parseGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';

/**
 * A graph document from its nodes and its links as [source, target, port?] (the port of a merge's
 * input; 'in' when left out), each link named `source-target`, checked as a graph file is.
 */
export function graphOf(
  name: string,
  nodes: readonly unknown[],
  edges: readonly (readonly (string | undefined)[])[],
  training: Record<string, unknown>,
): GraphDocument {
  return parseGraphDocument({
    format: 'multitask-studio/graph',
    version: 1,
    name,
    nodes,
    edges: edges.map(([source, target, port]) => ({
      id: `${source}-${target}`,
      source,
      target,
      ...(port ? { targetPort: port } : {}),
    })),
    training,
  });
}

/**
 * A small version of the reference model for tests: the same kinds of layers and the same two
 * tasks, on 16×16 images so a few epochs take seconds.
 */
export function tinyReferenceGraph(
  overrides: {
    classWeight?: number;
    boxWeight?: number;
    extra?: boolean;
    classes?: number;
    /** A Dropout layer between the shared Dense layer and the heads. */
    dropout?: boolean;
  } = {},
): GraphDocument {
  const nodes: unknown[] = [
    { id: 'image', kind: 'Input', params: { height: 16, width: 16, channels: 3 } },
    { id: 'conv', kind: 'Conv2D', params: { filters: 8, kernelSize: 3 } },
    { id: 'pool', kind: 'MaxPooling2D', params: {} },
    { id: 'flat', kind: 'Flatten', params: {} },
    { id: 'fc', kind: 'Dense', params: { units: 32 } },
    {
      id: 'class_out',
      kind: 'ClassificationHead',
      params: {
        task: 'class',
        classes: overrides.classes ?? 10,
        lossWeight: overrides.classWeight ?? 1,
      },
    },
    {
      id: 'box_out',
      kind: 'BoxHead',
      params: { task: 'box', lossWeight: overrides.boxWeight ?? 1 },
    },
  ];
  const edges = [
    ['image', 'conv'],
    ['conv', 'pool'],
    ['pool', 'flat'],
    ['flat', 'fc'],
    ['fc', 'class_out'],
    ['fc', 'box_out'],
  ];
  if (overrides.dropout) {
    nodes.push({ id: 'drop', kind: 'Dropout', params: { rate: 0.5 } });
    edges.splice(4, 2, ['fc', 'drop'], ['drop', 'class_out'], ['drop', 'box_out']);
  }
  if (overrides.extra) {
    nodes.push({ id: 'unused', kind: 'Dense', params: { units: 3 } });
    edges.push(['fc', 'unused']);
  }
  return graphOf('tiny reference', nodes, edges, {
    learningRate: 0.003,
    batchSize: 16,
    epochs: 3,
    seed: 3,
    dataset: 'digits',
    limit: 240,
  });
}

/**
 * A tiny gated graph: two Dense experts over a small convolution, one masked by a sigmoid Dense
 * through Multiply, a softmax Gate per task reading the features and both experts, and a
 * cross-stitch unit (a CrossStitch node per task) mixing the two gated columns before the heads
 * (or, with `stitch: false`, each gate straight into its head: MMoE as drawn).
 */
export function tinyGatedGraph(options: { stitch?: boolean } = {}): GraphDocument {
  const n = (id: string, kind: string, params: Record<string, unknown> = {}) => ({
    id,
    kind,
    params,
  });
  const nodes = [
    n('image', 'Input', { height: 16, width: 16, channels: 3 }),
    n('conv', 'Conv2D', { filters: 6, kernelSize: 3 }),
    n('pool', 'MaxPooling2D'),
    n('flat', 'Flatten'),
    n('expert1', 'Dense', { units: 16 }),
    n('expert2', 'Dense', { units: 16 }),
    n('mask', 'Dense', { units: 16, activation: 'sigmoid' }),
    n('masked', 'Multiply'),
    n('class_gate', 'Gate', { experts: 2 }),
    n('box_gate', 'Gate', { experts: 2 }),
    ...(options.stitch === false
      ? []
      : [n('class_stitch', 'CrossStitch'), n('box_stitch', 'CrossStitch')]),
    n('class_out', 'ClassificationHead', { task: 'class', classes: 10 }),
    n('box_out', 'BoxHead', { task: 'box' }),
  ];
  const edges = [
    ['image', 'conv'],
    ['conv', 'pool'],
    ['pool', 'flat'],
    ['flat', 'expert1'],
    ['flat', 'expert2'],
    ['flat', 'mask'],
    ['expert1', 'masked', 'in0'],
    ['mask', 'masked', 'in1'],
    ...['class_gate', 'box_gate'].flatMap((gate) => [
      ['flat', gate, 'gate'],
      ['masked', gate, 'expert1'],
      ['expert2', gate, 'expert2'],
    ]),
    ...(options.stitch === false
      ? [
          ['class_gate', 'class_out'],
          ['box_gate', 'box_out'],
        ]
      : [
          ['class_gate', 'class_stitch', 'own'],
          ['box_gate', 'class_stitch', 'other1'],
          ['box_gate', 'box_stitch', 'own'],
          ['class_gate', 'box_stitch', 'other1'],
          ['class_stitch', 'class_out'],
          ['box_stitch', 'box_out'],
        ]),
  ];
  return graphOf('tiny gated', nodes, edges, {
    learningRate: 0.01,
    batchSize: 16,
    epochs: 3,
    seed: 3,
    dataset: 'digits',
    limit: 240,
  });
}
