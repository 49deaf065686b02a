import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { initBackend } from '../engine/backend.ts';
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

const kerasMissing = referenceMissing('keras', 'h5py');
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
  if (kerasMissing) console.log(`The Keras 3 run of model.py is skipped: ${kerasMissing}.`);
});
