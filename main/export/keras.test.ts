import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { initBackend } from '../engine/backend.ts';
import { asTrainingData } from '../engine/batches.ts';
import { exportDatasetFiles } from './dataset.ts';
import { exportRunFiles, writeExportFolder } from './index.ts';
import { KERAS_UPSAMPLE_BILINEAR } from './keras.ts';
import { KERAS_WEIGHTS } from './keras-weights.ts';
import { tf } from '../engine/tf.ts';
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
import { pythonHas, REFERENCE_PYTHON, referenceMissing, runPython } from './test-python.ts';

const hasH5py = pythonHas('h5py', 'numpy');
if (!hasH5py) {
  console.log(
    '/usr/bin/python3 has no h5py (apt-get install python3-h5py): the Keras export checks are skipped.',
  );
}

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-keras-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** Every weight of weights.h5 as Keras' loader walks it: layer, weight name, shape and values. */
const READ_H5 = `
import json, sys, h5py
out = []
with h5py.File(sys.argv[1], "r") as f:
    for layer in f.attrs["layer_names"]:
        layer = layer.decode() if isinstance(layer, bytes) else layer
        for name in f[layer].attrs["weight_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            d = f[layer][name]
            out.append([name, list(d.shape), str(d.dtype), d[()].ravel().tolist()])
print(json.dumps(out))
`;

async function check(name: string, graph: GraphDocument) {
  const run = join(work, `${name}-run`);
  const model = await writeTrainedRun(graph, run);
  const out = join(work, name);
  await writeExportFolder(out, await exportRunFiles(run, { format: 'keras', checkpoint: 'best' }));
  await runPython(['-m', 'py_compile', 'model.py'], out);
  const stored = JSON.parse(await runPython(['-c', READ_H5, KERAS_WEIGHTS], out)) as [
    string,
    number[],
    string,
    number[],
  ][];
  const expected = new Map(
    model.weights.map((w) => [
      `${w.originalName}:0`,
      { shape: w.shape, values: w.read().dataSync() },
    ]),
  );
  expect(stored.map(([n]) => n).sort()).toEqual([...expected.keys()].sort());
  for (const [name, shape, dtype, values] of stored) {
    const want = expected.get(name)!;
    expect([name, shape, dtype]).toEqual([name, want.shape, 'float32']);
    expect(values).toEqual(Array.from(want.values));
  }
}

describe.skipIf(!hasH5py)('Keras export', () => {
  it('writes model.py that compiles and weights.h5 that h5py reads back identical', async () => {
    await check('every-kind', everyKindGraph());
    await check('shapes-three-tasks', await exampleGraph('shapes-three-tasks'));
    await check('u-net', uNetGraph());
    await check('gated-images', gatedImagesGraph());
    for (const name of ARCHITECTURE_TEMPLATES) await check(name, await exampleGraph(name));
  }, 120_000);

  it('exports a detection head beside an image-level head: model.py compiles, weights.h5 is exact', async () => {
    await check('detect', await exampleGraph('digits-scenes-detect'));
    await check('detect-multitask', await exampleGraph('digits-scenes-multitask'));
  }, 120_000);

  it('model.py enlarges bilinearly as TensorFlow.js does, not at half-pixel centres as Keras', async () => {
    // The helper only needs the four array functions model.py takes from Keras; numpy's agree.
    const script = `
import json, sys
import numpy as np
concat, stack, reshape, transpose = np.concatenate, np.stack, np.reshape, np.transpose
${KERAS_UPSAMPLE_BILINEAR}
x = np.array(json.loads(sys.argv[1]), dtype=np.float32).reshape(2, 3, 4, 2)
print(json.dumps(upsample_bilinear(x, 3, 2).ravel().tolist()))
`;
    const images = randomImages(2, [3, 4, 2]);
    const got = JSON.parse(
      await runPython(['-c', script, JSON.stringify([...images])], work),
    ) as number[];
    const want = tf.tidy(() =>
      tf.image.resizeBilinear(tf.tensor4d(images, [2, 3, 4, 2]), [9, 8]).dataSync(),
    );
    expect(got).toHaveLength(want.length);
    const difference = Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
    expect(difference).toBeLessThan(1e-5);
  });
});

const kerasMissing = referenceMissing('keras', 'tensorflow', 'h5py');
if (kerasMissing)
  console.log(`The real-Keras checks of the Keras export are skipped: ${kerasMissing}.`);

/**
 * Each exported folder's model.py as Keras 3 builds it, with its weights.h5 loaded, predicting the
 * images in the folder's images.json; one process for all (TensorFlow takes long to import).
 */
const PREDICT = `
import importlib.util, json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
answers = []
for folder in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location(f"model_{len(answers)}", os.path.join(folder, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load_weights(module.build_model(), os.path.join(folder, "weights.h5"))
    shape = json.load(open(os.path.join(folder, "training.json")))["inputShape"]
    x = np.array(json.load(open(os.path.join(folder, "images.json"))), dtype="float32").reshape([-1] + shape)
    out = model.predict(x, verbose=0)
    answers.append([o.ravel().tolist() for o in (out if isinstance(out, list) else [out])])
print(json.dumps(answers))
`;

/**
 * One epoch of model.fit on a dataset the studio exported as CSV (annotations.csv, targets.json,
 * PNGs), each head learning its target as training.json names it; prints the epoch's losses.
 */
const FIT = `
import csv, json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
from model import build_model, load_weights
spec, data = json.load(open("training.json")), sys.argv[1]
targets = {t["name"]: t for t in json.load(open(os.path.join(data, "targets.json")))["targets"]}
with open(os.path.join(data, "annotations.csv"), newline="") as f:
    rows = [r for r in csv.DictReader(f) if r["split"] == "train"]
channels = spec["inputShape"][2]
x = np.stack([tf.io.decode_png(tf.io.read_file(os.path.join(data, r["path"])), channels=channels).numpy() for r in rows]).astype("float32") / 255
def target(t):
    if t["kind"] == "class":
        return np.eye(len(t["classes"]), dtype="float32")[[t["classes"].index(r[t["name"]]) for r in rows]]
    columns = {"box": ["xmin", "ymin", "xmax", "ymax"], "numeric": t.get("columns"), "attributes": t.get("attributes")}[t["kind"]]
    return np.array([[float(r[c]) for c in columns] for r in rows], dtype="float32")
y = {h["node"]: target(targets[h["target"]]) for h in spec["heads"]}
model = load_weights(build_model())
history = model.fit(x, y, epochs=1, batch_size=spec["settings"]["batchSize"], verbose=0)
print(json.dumps({"samples": len(x), "history": {k: [float(v) for v in vs] for k, vs in history.history.items()}}))
`;

describe.skipIf(kerasMissing)('Keras export in real Keras 3', () => {
  async function exported(name: string, graph: GraphDocument) {
    const run = join(work, `${name}-real-run`);
    const model = await writeTrainedRun(graph, run);
    const out = join(work, `${name}-real`);
    await writeExportFolder(
      out,
      await exportRunFiles(run, { format: 'keras', checkpoint: 'best' }),
    );
    return { model, out };
  }

  it("builds model.py, loads weights.h5 and predicts TensorFlow.js's outputs (1e-4)", async () => {
    const checks = [];
    for (const [name, graph] of [
      ['every-kind', everyKindGraph()],
      ['shapes-three-tasks', await exampleGraph('shapes-three-tasks')],
      ['u-net', uNetGraph()],
    ] as const) {
      const { model, out } = await exported(name, graph);
      const analysis = analyzeGraph(graph);
      const shape = analysis.nodes.get(analysis.inputId!)!.outputShape!;
      const images = randomImages(2, shape);
      await writeFile(join(out, 'images.json'), JSON.stringify([...images]));
      const tasks = analysis.heads.map((h) => h.task);
      checks.push({ name, out, tasks, ours: studioOutputs(model, tasks, images, shape) });
    }
    const keras = JSON.parse(
      await runPython(
        ['-c', PREDICT, ...checks.map((c) => c.out)],
        work,
        {},
        undefined,
        REFERENCE_PYTHON,
      ),
    ) as number[][][];
    for (const [i, { name, tasks, ours }] of checks.entries()) {
      const theirs = new Map(tasks.map((t, k) => [t, keras[i]![k]!]));
      const difference = largestDifference(ours, theirs);
      console.log(`Keras 3 predicts the ${name} export within ${difference.toExponential(1)}.`);
      expect(difference).toBeLessThan(1e-4);
    }
  }, 240_000);

  it('model.fit trains one epoch on the exported CSV data', async () => {
    const graph = await exampleGraph('shapes-three-tasks');
    const { out } = await exported('fit', graph);
    const data = join(work, 'fit-data');
    const shapes = loadBuiltInDataset('shapes', { imageShape: [64, 64, 3], seed: 3, limit: 80 });
    await writeExportFolder(data, await exportDatasetFiles(asTrainingData(shapes), 'csv'));
    const { samples, history } = JSON.parse(
      await runPython(['-c', FIT, data], out, {}, undefined, REFERENCE_PYTHON),
    ) as { samples: number; history: Record<string, number[]> };
    expect(samples).toBe(64);
    for (const head of ['shape', 'colour', 'box']) {
      const loss = history[`${head}_loss`]?.[0];
      expect(Number.isFinite(loss), `${head}_loss ${loss}`).toBe(true);
    }
    expect(history.loss?.[0]).toBeGreaterThan(0);
  }, 240_000);
});

/** model.py's outputs in Keras for the images in x.bin, by task: what a user of the export gets. */
const PREDICT_KERAS = `
import json, sys
import numpy as np
sys.path.insert(0, ".")
from model import build_model, load_weights, TASKS
model = load_weights(build_model())
x = np.fromfile("x.bin", dtype="<f4").reshape((-1,) + tuple(model.input_shape[1:]))
outputs = model.predict(x, verbose=0)
outputs = outputs if isinstance(outputs, list) else [outputs]
print(json.dumps({TASKS[name]: o.ravel().tolist() for name, o in zip(model.output_names, outputs)}))
`;

describe('Keras export, run in Keras 3', () => {
  it.skipIf(kerasMissing)(
    'model.py’s Gate and CrossStitch layers give the studio’s outputs',
    async () => {
      for (const [name, graph] of [
        ['gated-images', gatedImagesGraph()],
        ['multidigits-mmoe', await exampleGraph('multidigits-mmoe')],
      ] as const) {
        const run = join(work, `${name}-keras-run`);
        const model = await writeTrainedRun(graph, run);
        const out = join(work, `${name}-keras`);
        await writeExportFolder(
          out,
          await exportRunFiles(run, { format: 'keras', checkpoint: 'best' }),
        );
        const { heads, nodes, inputId } = analyzeGraph(graph);
        const shape = nodes.get(inputId!)!.outputShape!;
        const images = randomImages(3, shape);
        await writeFile(join(out, 'x.bin'), images);
        const got = JSON.parse(
          await runPython(
            ['-c', PREDICT_KERAS],
            out,
            { CUDA_VISIBLE_DEVICES: '' },
            undefined,
            REFERENCE_PYTHON,
          ),
        ) as Record<string, number[]>;
        const tasks = heads.map((h) => h.task);
        const difference = largestDifference(
          studioOutputs(model, tasks, images, shape),
          new Map(Object.entries(got)),
        );
        console.log(
          `Keras vs TensorFlow.js, ${name}: largest difference ${difference.toExponential(2)}`,
        );
        expect(difference).toBeLessThan(1e-4);
      }
    },
    240_000,
  );
});
