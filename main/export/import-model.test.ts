import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { importLayersModel } from '../../core/graph/import-layers.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { initBackend } from '../engine/backend.ts';
import { compileGraph } from '../engine/compile.ts';
import { tf } from '../engine/tf.ts';
import { readWeights } from './source.ts';
import {
  ARCHITECTURE_TEMPLATES,
  everyKindGraph,
  exampleGraph,
  gatedImagesGraph,
  largestDifference,
  randomImages,
  studioOutputs,
  uNetGraph,
  writeTrainedRun,
} from './test-exports.ts';

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-import-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/**
 * Nodes (id, kind and full params; heads by id and kind, since their task names come from the
 * layer names) and links of a graph, in a fixed order.
 */
function structure(doc: GraphDocument) {
  const analysis = analyzeGraph(doc);
  const nodes = [...analysis.nodes.values()]
    .map((n) =>
      n.kind.endsWith('Head')
        ? { id: n.id, kind: n.kind, shape: n.outputShape }
        : { id: n.id, kind: n.kind, params: n.params, shape: n.outputShape },
    )
    .sort((a, b) => a.id.localeCompare(b.id));
  const edges = doc.edges.map((e) => `${e.source}->${e.target}:${e.targetPort}`).sort();
  return { nodes, edges };
}

async function roundTrip(name: string, graph: GraphDocument) {
  const dir = join(work, name);
  const model = await writeTrainedRun(graph, dir);
  const modelJson = JSON.parse(await readFile(join(dir, 'model', 'model.json'), 'utf8'));
  const imported = importLayersModel(modelJson, graph.name);
  if (!imported.ok) throw new Error(imported.sentences.join(' '));
  const loaded = loadGraphDocument(imported.document);
  if (!loaded.ok) throw loaded.error;
  const doc = loaded.document;
  const original = analyzeGraph(graph);
  expect(structure(doc)).toEqual(structure(graph));
  // Same outputs: the imported graph compiled and given the model's weights by layer name.
  const compiled = compileGraph(doc).model;
  const weights = readWeights(
    modelJson,
    new Uint8Array(await readFile(join(dir, 'model', 'weights.bin'))),
  );
  compiled.setWeights(
    compiled.weights.map((w) => {
      const weight = weights.get(w.originalName)!;
      return tf.tensor(weight.values, [...weight.shape]);
    }),
  );
  const shape = original.nodes.get(original.inputId!)!.outputShape!;
  const images = randomImages(2, shape);
  const tasks = original.heads.map((h) => h.task);
  const importedTasks = analyzeGraph(doc).heads.map((h) => h.task);
  const a = studioOutputs(model, tasks, images, shape);
  const b = studioOutputs(compiled, importedTasks, images, shape);
  expect(
    largestDifference(
      new Map([...a.values()].map((v, i) => [String(i), v])),
      new Map([...b.values()].map((v, i) => [String(i), v])),
    ),
  ).toBe(0);
}

describe('importing a TensorFlow.js Layers model', () => {
  it('gives a studio export back as the same graph with the same outputs', async () => {
    await roundTrip('every-kind', everyKindGraph());
    await roundTrip('shapes-three-tasks', await exampleGraph('shapes-three-tasks'));
    await roundTrip('u-net', uNetGraph());
  }, 60_000);

  it('gives back Multiply, Gate and CrossStitch with their ports, and the architecture templates', async () => {
    await roundTrip('gated-images', gatedImagesGraph());
    for (const name of ARCHITECTURE_TEMPLATES) await roundTrip(name, await exampleGraph(name));
  }, 60_000);

  it('names every layer it cannot represent, one sentence each, and gives no graph', () => {
    const layer = (
      name: string,
      className: string,
      config: Record<string, unknown>,
      from?: string,
    ) => ({
      name,
      class_name: className,
      config: { name, ...config },
      inbound_nodes: from ? [[[from, 0, 0, {}]]] : [],
    });
    const result = importLayersModel({
      modelTopology: {
        class_name: 'Model',
        config: {
          layers: [
            layer('in', 'InputLayer', { batch_input_shape: [null, 8, 8, 3] }),
            layer('lstm', 'LSTM', { units: 4 }, 'in'),
            layer('conv', 'Conv2D', { filters: 4, kernel_size: [3, 5], activation: 'relu' }, 'in'),
            layer(
              'deconv',
              'Conv2DTranspose',
              { filters: 4, kernel_size: 3, strides: 2, output_padding: [1, 1] },
              'conv',
            ),
            layer('grow', 'UpSampling2D', { size: [2, 2], interpolation: 'bicubic' }, 'deconv'),
            layer('out', 'Dense', { units: 3, activation: 'relu' }, 'grow'),
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['out', 0, 0]],
        },
      },
    });
    expect(result).toEqual({
      ok: false,
      sentences: [
        "The layer 'lstm' (LSTM) has no counterpart among the studio's node kinds.",
        "The layer 'conv' (Conv2D) has a 3×5 kernel_size; the studio's layers have square ones.",
        "The layer 'deconv' (Conv2DTranspose) sets output_padding; the studio's takes the size Keras computes.",
        "The layer 'grow' (UpSampling2D) interpolates 'bicubic'; the studio's UpSampling2D is nearest or bilinear.",
        "The layer 'out' (Dense) is an output with 3 relu units; a head is softmax (classes), sigmoid (4 for a box, else attributes) or linear (values).",
      ],
    });
  });
});
