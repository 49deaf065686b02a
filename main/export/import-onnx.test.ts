import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { importKerasModel } from '../../core/graph/keras-config.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { cli } from '../cli/test-cli.ts';
import { initBackend } from '../engine/backend.ts';
import { compileGraph } from '../engine/compile.ts';
import { startFromWeights } from '../engine/model-io.ts';
import { readOnnxBytes } from '../runs/onnx-file.ts';
import { readWeightsFile } from '../runs/weights-file.ts';
import { exportRunFiles } from './index.ts';
import { ONNX_FILE } from './onnx.ts';
import {
  exampleGraph,
  largestDifference,
  randomImages,
  studioOutputs,
  uNetGraph,
  writeTrainedRun,
} from './test-exports.ts';
import { pythonHas, runPython } from './test-python.ts';

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-onnx-in-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** The ONNX file imported as a graph, compiled and started from its own weights. */
async function imported(path: string) {
  const { model } = readOnnxBytes(new Uint8Array(await readFile(path)), 'model');
  const result = importKerasModel(model, 'model');
  if (!result.ok) throw new Error(result.sentences.join(' '));
  const loaded = loadGraphDocument(result.document);
  if (!loaded.ok) throw loaded.error;
  const compiled = compileGraph(loaded.document);
  expect(startFromWeights(compiled.model, await readWeightsFile(path), path)).toBe(
    compiled.model.weights.length,
  );
  return { ...compiled, report: result.report };
}

describe('importing an ONNX model', () => {
  it('gives a studio export back with the same outputs', async () => {
    for (const [name, graph] of [
      ['shapes-three-tasks', await exampleGraph('shapes-three-tasks')],
      ['keras-reference', await exampleGraph('keras-reference')],
      ['u-net', uNetGraph()],
    ] as [string, GraphDocument][]) {
      const dir = join(work, name);
      const model = await writeTrainedRun(graph, dir);
      const path = join(dir, ONNX_FILE);
      const files = await exportRunFiles(dir, { format: 'onnx', checkpoint: 'best' });
      await writeFile(path, files.get(ONNX_FILE)!);
      const back = await imported(path);
      const original = analyzeGraph(graph);
      const shape = original.nodes.get(original.inputId!)!.outputShape!;
      const images = randomImages(2, shape);
      const tasks = original.heads.map((h) => h.task);
      expect(back.heads.map((h) => h.task).sort()).toEqual([...tasks].sort());
      const difference = largestDifference(
        studioOutputs(model, tasks, images, shape),
        studioOutputs(
          back.model,
          back.heads.map((h) => h.task),
          images,
          shape,
        ),
      );
      console.log(`ONNX round trip of ${name}: largest difference ${difference.toExponential(1)}`);
      expect(difference).toBeLessThan(1e-5);
    }
  }, 120_000);

  it('says in one sentence that a file is not ONNX', async () => {
    const dir = join(work, 'every');
    await writeTrainedRun(await exampleGraph('shapes-three-tasks'), dir);
    const bad = join(dir, 'bad.onnx');
    await writeFile(bad, new Uint8Array([1, 2, 3, 4]));
    const result = await cli('import', bad, '--out', join(dir, 'bad.json'));
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('bad.onnx is not an ONNX model');
  });
});

const hasTorch = pythonHas('torch', 'onnx');
if (!hasTorch)
  console.log('/usr/bin/python3 has no torch and onnx: the PyTorch ONNX import check is skipped.');

/** A small two-head PyTorch model exported by torch.onnx.export, channels-first. */
const TORCH_MODEL = `
import torch
from torch import nn
torch.manual_seed(0)
class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU6())
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.side = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.kind = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(12 * 8 * 8, 5), nn.Softmax(-1))
        self.box = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4), nn.Sigmoid())
    def forward(self, x):
        t = self.trunk(x)
        joined = torch.cat([self.up(t), self.side(t)], 1)
        return self.kind(joined), self.box(t)
m = TwoHeads()
with torch.no_grad():
    m.trunk[1].running_mean.uniform_(-0.5, 0.5)
    m.trunk[1].running_var.uniform_(0.5, 1.5)
m.eval()
torch.onnx.export(m, torch.zeros(1, 3, 16, 16), "two-heads.onnx", input_names=["image"], output_names=["kind", "box"], opset_version=13,
                  dynamic_axes={"image": {0: "N"}, "kind": {0: "N"}, "box": {0: "N"}})
odd = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Hardswish(), nn.Flatten(), nn.Linear(4 * 14 * 14, 2))
torch.onnx.export(odd, torch.zeros(1, 3, 16, 16), "odd.onnx", input_names=["image"], output_names=["out"], opset_version=13)
`;

describe.skipIf(!hasTorch)('importing an ONNX file exported by PyTorch', () => {
  it("gives onnxruntime's outputs (1e-4)", async () => {
    await runPython(['-c', TORCH_MODEL], work);
    const path = join(work, 'two-heads.onnx');
    const back = await imported(path);
    expect(back.report).toBe(
      'The input is 16×16×3; the heads are kind: classification head, 5 outputs; box: box regression head, 4 outputs.',
    );
    const nhwc = randomImages(2, [16, 16, 3]);
    const nchw = new Float32Array(nhwc.length);
    for (let n = 0; n < 2; n++)
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 16; x++)
          for (let c = 0; c < 3; c++)
            nchw[((n * 3 + c) * 16 + y) * 16 + x] = nhwc[((n * 16 + y) * 16 + x) * 3 + c]!;
    const session = await ort.InferenceSession.create(await readFile(path));
    const result = await session.run({ image: new ort.Tensor('float32', nchw, [2, 3, 16, 16]) });
    const theirs = new Map(['kind', 'box'].map((t) => [t, result[t]!.data as Float32Array]));
    const ours = studioOutputs(
      back.model,
      back.heads.map((h) => h.task),
      nhwc,
      [16, 16, 3],
    );
    const difference = largestDifference(ours, theirs);
    console.log(`PyTorch's ONNX imported: largest difference ${difference.toExponential(1)}`);
    expect(difference).toBeLessThan(1e-4);

    const odd = await cli('import', join(work, 'odd.onnx'), '--out', join(work, 'odd.json'));
    expect(odd.code).not.toBe(0);
    expect(odd.err).toMatch(
      /The ONNX node '[^']+' \(HardSigmoid\) has no counterpart among the studio's node kinds\./,
    );
  }, 120_000);
});
