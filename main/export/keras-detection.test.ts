import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDetections, type Detection } from '../../core/detection/decode.ts';
import { decodeOptionsOf } from '../../core/detection/map-metric.ts';
import { writeObjectRows } from '../../core/detection/object-rows.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { initBackend } from '../engine/backend.ts';
import { centerNet } from '../engine/tasks/centernet.ts';
import { tf } from '../engine/tf.ts';
import { createRng } from '../datasets/rng.ts';
import { exportRunFiles, writeExportFolder } from './index.ts';
import {
  exampleGraph,
  largestDifference,
  randomImages,
  studioOutputs,
  writeTrainedRun,
} from './test-exports.ts';
import { REFERENCE_PYTHON, referenceMissing, runPython } from './test-python.ts';

/** TensorFlow's import and two model.fit traces take long on a busy machine. */
const PYTHON_LIMIT_MS = 900_000;

const missing = referenceMissing('keras', 'tensorflow', 'h5py');
if (missing) console.log(`The real-Keras checks of detection heads are skipped: ${missing}.`);

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-keras-detect-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** Every peak above a low threshold, so the lists compare long: no top K cuts a tie. */
const EVERY = { topK: 10_000, threshold: 0.2, nms: true, nmsIoU: 0.5 };

/**
 * In one process (TensorFlow is slow to import), for each exported folder: Keras' outputs by task
 * for x.bin; decode() on the detection maps with EVERY and detect() with the head's own settings;
 * centernet_loss as compiled on the truth rows y.bin and the maps p.bin; and one epoch of
 * model.fit on x.bin and y.bin (other heads learn class 0), whose loss is the loaded weights'.
 */
const CHECK = `
import importlib.util, json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
def listed(found):
    return [[{"box": [float(v) for v in b], "score": float(s), "classIndex": int(c)}
             for b, s, c in zip(np.asarray(f["boxes"]).tolist(), np.asarray(f["scores"]).tolist(), np.asarray(f["classes"]).tolist())]
            for f in found]
answers = []
for folder in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location(f"model_{len(answers)}", os.path.join(folder, "model.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    case = json.load(open(os.path.join(folder, "case.json")))
    model = m.load_weights(m.build_model(), os.path.join(folder, "weights.h5"))
    x = np.fromfile(os.path.join(folder, "x.bin"), dtype="<f4").reshape([-1] + case["input"])
    y = np.fromfile(os.path.join(folder, "y.bin"), dtype="<f4").reshape(len(x), -1)
    outputs = model.predict(x, verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    maps = {m.TASKS[name]: o for name, o in zip(model.output_names, outputs)}
    task = case["task"]
    every = m.decode(maps[task], m.DETECTION_HEADS[task]["classes"], top_k=${EVERY.topK}, threshold=${EVERY.threshold}, nms=True)
    p = np.fromfile(os.path.join(folder, "p.bin"), dtype="<f4").reshape(maps[task].shape)
    node = next(name for name, t in m.TASKS.items() if t == task)
    loss = model.loss[node] if isinstance(model.loss, dict) else model.loss
    answer = {"maps": {t: o.ravel().tolist() for t, o in maps.items()}, "every": listed(every),
              "detect": listed(m.detect(model, x)[task]), "loss": np.asarray(loss(y, p)).tolist()}
    truth = {name: y if m.TASKS[name] == task else np.eye(o.shape[-1], dtype="float32")[np.zeros(len(x), int)]
             for name, o in zip(model.output_names, outputs)}
    # A model of one output takes its truth bare: Keras reads a dict's keys as values there.
    truth = truth if len(truth) > 1 else truth[node]
    history = model.fit(x, truth, epochs=1, batch_size=len(x), shuffle=False, verbose=0).history
    answers.append({**answer, "fit": {k: float(v[0]) for k, v in history.items()}})
print(json.dumps(answers))
`;

/** Three images' truth: objects (two sharing a centre), a crowd; none; one small object. */
function truthRows(): Float32Array {
  const blocks = [
    writeObjectRows([
      { classIndex: 0, box: [0.1, 0.2, 0.45, 0.7], ignore: false },
      { classIndex: 3, box: [0.12, 0.22, 0.43, 0.68], ignore: false },
      { classIndex: 2, box: [0.5, 0.1, 0.9, 0.5], ignore: false },
      { classIndex: 1, box: [0.55, 0.55, 0.95, 0.95], ignore: true },
    ]).rows,
    writeObjectRows([]).rows,
    writeObjectRows([{ classIndex: 1, box: [0.3, 0.3, 0.4, 0.42], ignore: false }]).rows,
  ];
  return Float32Array.from(blocks.flatMap((b) => Array.from(b)));
}

function sameDetections(want: readonly Detection[], got: readonly Detection[]) {
  expect(got.map((d) => d.classIndex)).toEqual(want.map((d) => d.classIndex));
  want.forEach((d, i) => {
    expect(Math.abs(got[i]!.score - d.score)).toBeLessThan(1e-4);
    for (let k = 0; k < 4; k++) expect(Math.abs(got[i]!.box[k]! - d.box[k]!)).toBeLessThan(1e-4);
  });
}

interface Answer {
  maps: Record<string, number[]>;
  every: Detection[][];
  detect: Detection[][];
  loss: number[];
  fit: Record<string, number>;
}

/** The detection-only template with its head's loss weights and decoding off their defaults. */
async function detectGraph(): Promise<GraphDocument> {
  const graph = await exampleGraph('digits-scenes-detect');
  return {
    ...graph,
    nodes: graph.nodes.map((n) =>
      n.kind === 'DetectionHead'
        ? {
            ...n,
            params: {
              ...n.params,
              sizeWeight: 0.3,
              offsetWeight: 2,
              topK: 40,
              scoreThreshold: 0.25,
              nms: true,
            },
          }
        : n,
    ),
  } as GraphDocument;
}

describe.skipIf(missing)('a detection head in the Keras export, run in Keras 3', () => {
  it(
    'gives the studio’s raw maps, detections, CenterNet loss and a model.fit at that loss',
    async () => {
      const cases = [];
      for (const [name, graph] of [
        ['detect', await detectGraph()],
        ['multitask', await exampleGraph('digits-scenes-multitask')],
      ] as const) {
        const run = join(work, `${name}-run`);
        const model = await writeTrainedRun(graph, run);
        const out = join(work, name);
        await writeExportFolder(
          out,
          await exportRunFiles(run, { format: 'keras', checkpoint: 'best' }),
        );
        const { heads, nodes, inputId } = analyzeGraph(graph);
        const head = heads.find((h) => h.targetKind === 'objects')!;
        const input = nodes.get(inputId!)!.outputShape!;
        const images = randomImages(3, input);
        const y = truthRows();
        const rng = createRng(5);
        const p = Float32Array.from({ length: 3 * head.units }, () => (rng.nextFloat() - 0.5) * 6);
        await writeFile(join(out, 'x.bin'), images);
        await writeFile(join(out, 'y.bin'), y);
        await writeFile(join(out, 'p.bin'), p);
        await writeFile(join(out, 'case.json'), JSON.stringify({ input, task: head.task }));
        const tasks = heads.map((h) => h.task);
        const ours = studioOutputs(model, tasks, images, input);
        const loss = (maps: Float32Array) =>
          tf.tidy(() =>
            Array.from(
              centerNet(
                tf.tensor2d(y, [3, y.length / 3]),
                tf.tensor4d(maps, [3, ...head.shape] as [number, number, number, number]),
                head,
              ).dataSync(),
            ),
          );
        cases.push({ name, out, head, ours, loss: loss(p), fitLoss: loss(ours.get(head.task)!) });
      }
      const answers = JSON.parse(
        await runPython(
          ['-c', CHECK, ...cases.map((c) => c.out)],
          work,
          { CUDA_VISIBLE_DEVICES: '' },
          PYTHON_LIMIT_MS,
          REFERENCE_PYTHON,
        ),
      ) as Answer[];
      for (const [i, { name, head, ours, loss, fitLoss }] of cases.entries()) {
        const answer = answers[i]!;
        const difference = largestDifference(ours, new Map(Object.entries(answer.maps)));
        console.log(
          `Keras vs TensorFlow.js, ${name}: raw maps within ${difference.toExponential(2)}`,
        );
        expect(difference).toBeLessThan(1e-4);

        const [height, width, channels] = head.shape as [number, number, number];
        const at = (k: number) => ({
          values: ours.get(head.task)!,
          at: k * head.units,
          height,
          width,
          classes: channels - 4,
        });
        for (const [k, found] of answer.every.entries()) {
          const want = decodeDetections(at(k), EVERY);
          expect(want.length).toBeGreaterThan(0);
          sameDetections(want, found);
        }
        for (const [k, found] of answer.detect.entries())
          sameDetections(decodeDetections(at(k), decodeOptionsOf(head.params)), found);
        if (name === 'detect') expect(answer.detect.flat().length).toBeGreaterThan(0);

        expect(answer.loss).toHaveLength(3);
        answer.loss.forEach((v, k) =>
          expect(Math.abs(v - loss[k]!) / Math.max(1, Math.abs(loss[k]!))).toBeLessThan(1e-5),
        );
        const mean = fitLoss.reduce((a, b) => a + b, 0) / fitLoss.length;
        const fitted = answer.fit[name === 'detect' ? 'loss' : `${head.nodeId}_loss`]!;
        console.log(`model.fit's first CenterNet loss ${fitted}, the studio's ${mean}`);
        expect(Math.abs(fitted - mean) / mean).toBeLessThan(1e-4);
      }
    },
    PYTHON_LIMIT_MS + 60_000,
  );
});
