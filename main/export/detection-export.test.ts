import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDetections, type Detection } from '../../core/detection/decode.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { initBackend } from '../engine/backend.ts';
import { exportRunFiles, writeExportFolder } from './index.ts';
import { ONNX_FILE } from './onnx.ts';
import {
  exampleGraph,
  largestDifference,
  randomImages,
  studioOutputs,
  writeTrainedRun,
} from './test-exports.ts';
import { torchOutputs } from './test-generated-python.ts';
import { pythonHas, runPython } from './test-python.ts';

const hasTorch = pythonHas('torch', 'numpy');

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-detect-export-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** Every peak of every image, so the lists compare whole: no top K or threshold cuts a tie. */
const EVERY = { topK: 10_000, threshold: 0.2, nms: true, nmsIoU: 0.5 };

/** Runs a decoder of the export on the maps in maps.bin; prints each image's detections. */
const DECODE = (module: string) => `
import json, sys
import numpy as np
from ${module} import decode
maps = np.fromfile("maps.bin", dtype="<f4").reshape(${'{shape}'})
out = []
for found in decode(maps, ${'{classes}'}, top_k=${EVERY.topK}, threshold=${EVERY.threshold}, nms=True):
    out.append([{"box": [float(v) for v in b], "score": float(s), "classIndex": int(c)}
                for b, s, c in zip(np.asarray(found["boxes"]).tolist(), np.asarray(found["scores"]).tolist(), np.asarray(found["classes"]).tolist())])
print(json.dumps(out))
`;

function sameDetections(a: readonly Detection[], b: readonly Detection[]) {
  expect(b.length).toBe(a.length);
  a.forEach((d, i) => {
    const e = b[i]!;
    expect(e.classIndex).toBe(d.classIndex);
    expect(Math.abs(e.score - d.score)).toBeLessThan(1e-5);
    for (let k = 0; k < 4; k++) expect(Math.abs(e.box[k]! - d.box[k]!)).toBeLessThan(1e-5);
  });
}

describe.skipIf(!hasTorch)('a detection head exported', () => {
  it('gives the studio’s raw maps in PyTorch and ONNX, and their decoding the studio’s detections', async () => {
    const graph = await exampleGraph('digits-scenes-detect');
    const run = join(work, 'run');
    const model = await writeTrainedRun(graph, run);
    const { heads, nodes, inputId } = analyzeGraph(graph);
    const head = heads[0]!;
    const shape = nodes.get(inputId!)!.outputShape!;
    const images = randomImages(3, shape);
    const studio = studioOutputs(model, [head.task], images, shape);
    const maps = studio.get(head.task)!;

    const torch = join(work, 'pytorch');
    await writeExportFolder(
      torch,
      await exportRunFiles(run, { format: 'pytorch', checkpoint: 'best' }),
    );
    await writeFile(join(torch, 'x.bin'), images);
    const torchMaps = await torchOutputs(torch, 'x.bin');
    const torchDifference = largestDifference(studio, new Map(Object.entries(torchMaps)));
    console.log(`detection maps, PyTorch vs TensorFlow.js: ${torchDifference.toExponential(2)}`);
    expect(torchDifference).toBeLessThan(1e-4);

    const onnx = join(work, 'onnx');
    const files = await exportRunFiles(run, { format: 'onnx', checkpoint: 'best' });
    await writeExportFolder(onnx, files);
    const session = await ort.InferenceSession.create(files.get(ONNX_FILE)!);
    const result = await session.run({ image: new ort.Tensor('float32', images, [3, ...shape]) });
    expect(result[head.task]!.dims).toEqual([3, ...head.shape]);
    const onnxDifference = largestDifference(
      studio,
      new Map([[head.task as string, result[head.task]!.data as Float32Array]]),
    );
    console.log(`detection maps, ONNX vs TensorFlow.js: ${onnxDifference.toExponential(2)}`);
    expect(onnxDifference).toBeLessThan(1e-4);

    // Each export's decoder on the studio's own maps finds exactly the studio's detections.
    const [height, width, channels] = head.shape as [number, number, number];
    const expected = [0, 1, 2].map((i) =>
      decodeDetections(
        { values: maps, at: i * head.units, height, width, classes: channels - 4 },
        EVERY,
      ),
    );
    expect(expected.every((d) => d.length > 0)).toBe(true);
    for (const [folder, module] of [
      [torch, 'model'],
      [onnx, 'postprocess'],
    ] as const) {
      await writeFile(join(folder, 'maps.bin'), maps);
      const script = DECODE(module)
        .replace('{shape}', `(3, ${height}, ${width}, ${channels})`)
        .replace('{classes}', String(channels - 4));
      const got = JSON.parse(await runPython(['-c', script], folder)) as Detection[][];
      got.forEach((found, i) => sameDetections(expected[i]!, found));
    }

    // train.py --from-scratch starts the heatmaps from CenterNet's prior, as the studio does.
    const fresh = JSON.parse(
      await runPython(
        [
          '-c',
          'import json; from model import load_model; m = load_model(".").reset_parameters(); ' +
            `print(json.dumps(m.${head.nodeId}.bias.tolist()))`,
        ],
        torch,
      ),
    ) as number[];
    const classes = channels - 4;
    expect(fresh.slice(0, classes).every((b) => Math.abs(b + 2.1972) < 1e-3)).toBe(true);
    expect(fresh.slice(classes)).toEqual([0, 0, 0, 0]);
  }, 180_000);
});
