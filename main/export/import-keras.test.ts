import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importKerasModel } from '../../core/graph/keras-config.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import { cli } from '../cli/test-cli.ts';
import { initBackend } from '../engine/backend.ts';
import { compileGraph } from '../engine/compile.ts';
import { startFromWeights } from '../engine/model-io.ts';
import { readKerasFile } from '../runs/keras-file.ts';
import { readWeightsFile } from '../runs/weights-file.ts';
import { largestDifference, randomImages, studioOutputs } from './test-exports.ts';
import { REFERENCE_PYTHON, referenceMissing, runPython } from './test-python.ts';

/**
 * Models written by real Keras 3 (the reference Python) as `.keras` and as legacy `.h5`, opened by
 * the studio and run on the same images as Keras' predict.
 */
const missing = referenceMissing('keras', 'tensorflow');
if (missing) console.log(`The Keras file import checks are skipped: ${missing}.`);

const MAKE_MODELS = `
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
from keras import layers
keras.utils.set_random_seed(3)
R = {"bias_initializer": "random_normal"}

def functional():
    i = keras.Input((16, 16, 3), name="image")
    a = layers.Conv2D(8, 3, padding="same", activation="relu", name="c1", **R)(i)
    a = layers.BatchNormalization(name="bn1")(a)
    b = layers.MaxPooling2D(2, name="p1")(a)
    c = layers.Conv2DTranspose(8, 3, strides=2, padding="same", name="up_t", **R)(b)
    d = layers.UpSampling2D(2, name="up")(b)
    d = layers.Conv2D(8, 1, activation="tanh", name="c2", **R)(d)
    j = layers.Concatenate(name="cat")([c, d])
    s = layers.Add(name="sum")([c, d])
    j = layers.Conv2D(8, 3, strides=2, name="c3", **R)(j)
    j = layers.LeakyReLU(0.2, name="lrelu")(j)
    j = layers.AveragePooling2D(2, name="p2")(j)
    g = layers.GlobalAveragePooling2D(name="gap")(s)
    f = layers.Flatten(name="flat")(j)
    f = layers.Dropout(0.3, name="drop")(f)
    f = layers.Dense(16, activation="relu", name="fc", **R)(f)
    cls = layers.Dense(5, activation="softmax", name="kind", **R)(f)
    box = layers.Dense(4, activation="sigmoid", name="box", **R)(g)
    return keras.Model(i, [cls, box], name="two_heads")

def sequential():
    return keras.Sequential([
        keras.Input((12, 12, 1)),
        layers.Conv2D(4, 3, activation="relu", name="conv_a", **R),
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="dw_a", **R),
        layers.SeparableConv2D(4, 3, strides=2, name="sep_a", **R),
        layers.BatchNormalization(name="bn_a"),
        layers.ReLU(6.0, name="relu6"),
        layers.MaxPooling2D(name="pool_a"),
        layers.Activation("sigmoid", name="squash"),
        layers.Flatten(name="flat"),
        layers.Dense(3, name="logits", **R),
        layers.Activation("softmax", name="probs"),
    ], name="seq")

def depthwise():
    return keras.Sequential([keras.Input((8, 8, 3)), layers.LayerNormalization(name="dw"),
                             layers.Flatten(), layers.Dense(2, activation="softmax")], name="dw")

images = json.load(open(sys.argv[1]))
outputs = {}
for name, make, shape in [("functional", functional, (16, 16, 3)), ("sequential", sequential, (12, 12, 1))]:
    m = make()
    # Every BatchNormalization variable away from its start, so that their order is checked.
    for l in m.layers:
        if isinstance(l, layers.BatchNormalization):
            for v in (l.gamma, l.beta, l.moving_mean, l.moving_variance):
                v.assign(np.random.rand(*v.shape).astype("float32") + 0.5)
    x = np.array(images[name], dtype="float32").reshape((-1,) + shape)
    out = m.predict(x, verbose=0)
    outputs[name] = [o.ravel().tolist() for o in (out if isinstance(out, list) else [out])]
    m.save(name + ".keras")
    m.save(name + ".h5")
depthwise().save("depthwise.keras")

# As Keras 3 before the "name" attribute of each layer's vars: found by the config's order alone.
import h5py, zipfile
with zipfile.ZipFile("functional.keras") as z:
    z.extractall("unnamed")
with h5py.File("unnamed/model.weights.h5", "a") as f:
    f.visititems(lambda path, g: g.attrs.__delitem__("name") if "name" in g.attrs else None)
with zipfile.ZipFile("functional-unnamed.keras", "w") as z:
    for part in ("metadata.json", "config.json", "model.weights.h5"):
        z.write("unnamed/" + part, part)
json.dump(outputs, open("outputs.json", "w"))
`;

const SHAPES = { functional: [16, 16, 3], sequential: [12, 12, 1] } as const;

let work: string;
let kerasOutputs: Record<keyof typeof SHAPES, number[][]>;
const images = {
  functional: randomImages(3, SHAPES.functional),
  sequential: randomImages(3, SHAPES.sequential),
};

beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-keras-in-'));
  if (missing) return;
  await writeFile(
    join(work, 'images.json'),
    JSON.stringify({ functional: [...images.functional], sequential: [...images.sequential] }),
  );
  await runPython(['-c', MAKE_MODELS, 'images.json'], work, {}, undefined, REFERENCE_PYTHON);
  kerasOutputs = JSON.parse(await readFile(join(work, 'outputs.json'), 'utf8'));
}, 240_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe.skipIf(missing)('opening files written by Keras 3', () => {
  for (const [model, report] of [
    [
      'functional',
      'The input is 16×16×3; the heads are kind: classification head, 5 outputs; box: box regression head, 4 outputs.',
    ],
    ['sequential', 'The input is 12×12×1; the head is logits: classification head, 3 outputs.'],
  ] as const) {
    const files = [`${model}.keras`, `${model}.h5`];
    if (model === 'functional') files.push('functional-unnamed.keras');
    for (const file of files) {
      it(`${file} gives Keras' outputs from its weights`, async () => {
        const path = join(work, file);
        const imported = importKerasModel((await readKerasFile(path)).model, model);
        if (!imported.ok) throw new Error(imported.sentences.join(' '));
        expect(imported.report).toBe(report);
        const loaded = loadGraphDocument(imported.document);
        if (!loaded.ok) throw loaded.error;
        const { model: compiled, heads } = compileGraph(loaded.document);
        // Every weight of the graph comes from the file, read as a run reads its starting weights.
        expect(startFromWeights(compiled, await readWeightsFile(path), path)).toBe(
          compiled.weights.length,
        );
        const tasks = heads.map((h) => h.task);
        const ours = studioOutputs(compiled, tasks, images[model], SHAPES[model]);
        const theirs = new Map(tasks.map((t, i) => [t, kerasOutputs[model][i]!]));
        expect(largestDifference(ours, theirs)).toBeLessThan(1e-4);
        compiled.dispose();
      });
    }
  }

  it('import writes a graph that starts from the file and trains', async () => {
    const graph = join(work, 'functional.graph.json');
    const imported = await cli('import', join(work, 'functional.keras'), '--out', graph);
    expect(imported.err).toBe('');
    expect(imported.out).toContain('2 task heads; training starts from its weights.');
    const doc = JSON.parse(await readFile(graph, 'utf8')) as {
      training: { initialWeights: string };
    };
    expect(doc.training.initialWeights).toBe(join(work, 'functional.keras'));
  });

  it('names a layer the canvas cannot express', async () => {
    const result = await cli(
      'import',
      join(work, 'depthwise.keras'),
      '--out',
      join(work, 'dw.json'),
    );
    expect(result.code).not.toBe(0);
    expect(result.err).toContain(
      "The layer 'dw' (LayerNormalization) has no counterpart among the studio's node kinds.",
    );
  });
});

describe('Keras files that cannot be opened', () => {
  it('says so in one sentence', async () => {
    const cases: [string, Uint8Array, string][] = [
      [
        'text.keras',
        new TextEncoder().encode('not a model'),
        'text.keras is neither a Keras 3 .keras file (a zip) nor a legacy .h5 file (HDF5).',
      ],
      [
        'empty.keras',
        zipSync({ 'metadata.json': new TextEncoder().encode('{}') }),
        "empty.keras has no config.json; a .keras file holds the model's config in it.",
      ],
      [
        'broken.keras',
        zipSync({ 'config.json': new TextEncoder().encode('{"class_name": ') }),
        'The config.json of broken.keras is not JSON',
      ],
    ];
    for (const [name, bytes, sentence] of cases) {
      await writeFile(join(work, name), bytes);
      const result = await cli('import', join(work, name), '--out', join(work, `${name}.json`));
      expect(result.code).not.toBe(0);
      expect(result.err).toContain(sentence);
    }
  });
});
