import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLayersModel } from '../../core/graph/import-layers.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import { initBackend } from '../engine/backend.ts';
import { compileGraph } from '../engine/compile.ts';
import { loadModel, startFromWeights } from '../engine/model-io.ts';
import { tf } from '../engine/tf.ts';
import { createRng } from '../datasets/rng.ts';
import { runTraining } from '../runs/run-training.ts';
import { readWeightsFile, weightNamed } from '../runs/weights-file.ts';
import { randomImages } from './test-exports.ts';

/**
 * Models as the TensorFlow.js converter writes them from Keras 2 (fixtures/, written by hand in its
 * format): a Tiny VGG Sequential, and Teachable Machine's image export, a Sequential of a
 * Sequential holding a functional feature extractor and then a Sequential head; and one of a
 * DepthwiseConv2D and a SeparableConv2D.
 */
const FIXTURES = join(import.meta.dirname, 'fixtures');

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-sequential-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

interface Manifest {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[];
}

/** The fixture as a model folder: its model.json and random weights in the files it names. */
async function modelFolder(fixture: string): Promise<{ dir: string; json: Manifest }> {
  const text = await readFile(join(FIXTURES, `${fixture}.model.json`), 'utf8');
  const json = JSON.parse(text) as Manifest;
  const dir = join(work, fixture);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), text);
  const rng = createRng(5);
  for (const group of json.weightsManifest) {
    const count = group.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    const values = Float32Array.from({ length: count }, () => (rng.nextFloat() - 0.5) * 0.8);
    await writeFile(join(dir, group.paths[0]!), new Uint8Array(values.buffer));
  }
  return { dir, json };
}

async function importFixture(fixture: string) {
  const { dir, json } = await modelFolder(fixture);
  const imported = importLayersModel(json, fixture);
  if (!imported.ok) throw new Error(imported.sentences.join(' '));
  const loaded = loadGraphDocument(imported.document);
  if (!loaded.ok) throw loaded.error;
  return { dir, document: loaded.document, report: imported.report };
}

describe('importing a Sequential model.json', () => {
  for (const [fixture, kinds, report] of [
    [
      'tiny-vgg',
      'Input Conv2D Activation Conv2D Activation MaxPooling2D Conv2D Activation Conv2D Activation MaxPooling2D Flatten ClassificationHead',
      'The input is 16×16×3; the head is output: classification head, 5 outputs.',
    ],
    [
      'teachable-machine',
      'Input Conv2D Activation Conv2D GlobalAveragePooling2D Dense ClassificationHead',
      'The input is 16×16×3; the head is dense_Dense2: classification head, 5 outputs.',
    ],
    [
      'depthwise',
      'Input DepthwiseConv2D SeparableConv2D GlobalAveragePooling2D ClassificationHead',
      'The input is 16×16×3; the head is output: classification head, 5 outputs.',
    ],
  ] as const) {
    it(`imports ${fixture} flat, with TensorFlow.js's outputs from its weights, and trains it`, async () => {
      const { dir, document, report: said } = await importFixture(fixture);
      expect(document.nodes.map((n) => n.kind).join(' ')).toBe(kinds);
      expect(said).toBe(report);

      const compiled = compileGraph(document).model;
      const path = join(dir, 'model.json');
      expect(startFromWeights(compiled, await readWeightsFile(path), path)).toBe(
        compiled.weights.length,
      );
      const reference = await loadModel(dir);
      const images = tf.tensor(randomImages(3, [16, 16, 3]), [3, 16, 16, 3]);
      const ours = (compiled.predict(images) as tf.Tensor).dataSync();
      const theirs = (reference.predict(images) as tf.Tensor).dataSync();
      expect(ours.length).toBe(15);
      const worst = Math.max(...ours.map((v, i) => Math.abs(v - theirs[i]!)));
      expect(worst).toBeLessThan(1e-5);

      // One small step from the model's weights: a run starts there and moves them.
      const out = join(work, `${fixture}-run`);
      const outcome = await runTraining({
        graph: document,
        overrides: { initialWeights: path, dataset: 'shapes', epochs: 1, limit: 16, batchSize: 16 },
        out,
        backend: 'wasm',
      });
      expect(outcome.status).toBe('finished');
      const before = await readWeightsFile(path);
      const after = await readWeightsFile(join(out, 'model', 'model.json'));
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      const moved = [...after].some(([name, w]) =>
        w.values.some((v, i) => v !== before.get(name)!.values[i]),
      );
      expect(moved).toBe(true);
    }, 60_000);
  }

  it('finds a nested model’s weights under the inner model’s name', () => {
    const weight = { shape: [1], values: Float32Array.of(2) };
    const stored = new Map([['sequential_1/model1/Conv1/kernel', weight]]);
    expect(weightNamed(stored, 'Conv1/kernel')).toBe(weight);
    expect(weightNamed(stored, 'v1/kernel')).toBeUndefined();
  });

  it('maps the activation and padding layers, and names the settings they cannot take', () => {
    const layer = (className: string, config: Record<string, unknown>) => ({
      class_name: className,
      config: { name: `${className.toLowerCase()}_1`, ...config },
    });
    const sequential = (...layers: unknown[]) =>
      importLayersModel({
        modelTopology: {
          class_name: 'Sequential',
          config: {
            name: 'seq',
            layers: [
              layer('InputLayer', { batch_input_shape: [null, 8, 8, 3] }),
              ...layers,
              layer('GlobalAveragePooling2D', {}),
              layer('Dense', { units: 2, activation: 'softmax' }),
            ],
          },
        },
      });
    const good = sequential(
      layer('ZeroPadding2D', {
        padding: [
          [0, 1],
          [0, 1],
        ],
      }),
      layer('ReLU', { max_value: 6 }),
      layer('LeakyReLU', { alpha: 0.1 }),
      layer('Softmax', { axis: -1 }),
    );
    if (!good.ok) throw new Error(good.sentences.join(' '));
    expect((good.document.nodes as { kind: string; params: unknown }[]).slice(1, 5)).toMatchObject([
      { kind: 'ZeroPadding2D', params: { top: 0, bottom: 1, left: 0, right: 1 } },
      { kind: 'ReLU', params: { maxValue: 6 } },
      { kind: 'LeakyReLU', params: { alpha: 0.1 } },
      { kind: 'Softmax', params: {} },
    ]);
    expect(
      sequential(
        layer('ReLU', { negative_slope: 0.1 }),
        layer('Softmax', { axis: 1 }),
        layer('ZeroPadding2D', { padding: 'same' }),
      ),
    ).toEqual({
      ok: false,
      sentences: [
        "The layer 'relu_1' (ReLU) has a negative slope or threshold; the studio's ReLU has a maximum only (use LeakyReLU for a slope).",
        "The layer 'softmax_1' (Softmax) works along axis 1; the studio's Softmax works along the last.",
        'The layer \'zeropadding2d_1\' (ZeroPadding2D) has the padding "same", which is not a number, a pair or two pairs.',
      ],
    });
  });

  it('makes a final linear Dense and its activation layer one head, named after the Dense', async () => {
    type Layer = { class_name: string; config: Record<string, unknown> };
    const { dir, json } = await modelFolder('tiny-vgg');
    const topology = (json as unknown as { modelTopology: { model_config: { config: Layer[] } } })
      .modelTopology.model_config;
    const output = topology.config.at(-1)!;
    output.config.activation = 'linear';
    topology.config.push({ class_name: 'Softmax', config: { name: 'probabilities', axis: -1 } });
    const imported = importLayersModel(json, 'split');
    if (!imported.ok) throw new Error(imported.sentences.join(' '));
    expect(imported.report).toBe(
      'The input is 16×16×3; the head is output: classification head, 5 outputs.',
    );
    await writeFile(join(dir, 'split.json'), JSON.stringify(json));
    const loaded = loadGraphDocument(imported.document);
    if (!loaded.ok) throw loaded.error;
    const compiled = compileGraph(loaded.document).model;
    const split = join(dir, 'split.json');
    expect(startFromWeights(compiled, await readWeightsFile(split), split)).toBe(10);
  });

  it('says when a Sequential model does not give its input’s shape', () => {
    expect(
      importLayersModel({
        modelTopology: {
          class_name: 'Sequential',
          config: { name: 'seq', layers: [{ class_name: 'Flatten', config: { name: 'flat' } }] },
        },
      }),
    ).toEqual({
      ok: false,
      sentences: [
        "The Sequential model 'seq' does not say its input's shape (no InputLayer and no batch_input_shape on its first layer).",
      ],
    });
  });
});
