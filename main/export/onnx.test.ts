import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { initBackend } from '../engine/backend.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { exportRunFiles } from './index.ts';
import { ONNX_FILE, ONNX_INPUT } from './onnx.ts';
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
  work = await mkdtemp(join(tmpdir(), 'mts-onnx-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const hasPythonOnnx =
  spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

/** Exports the graph's model as ONNX and compares onnxruntime's outputs with the studio's. */
async function exportAndCompare(name: string, graph: GraphDocument) {
  const dir = join(work, name);
  const model = await writeTrainedRun(graph, dir);
  const files = await exportRunFiles(dir, { format: 'onnx', checkpoint: 'best' });
  const bytes = files.get(ONNX_FILE);
  if (!bytes) throw new Error('no model.onnx');
  const { heads, nodes, inputId } = analyzeGraph(graph);
  const shape = nodes.get(inputId!)!.outputShape!;
  const images = randomImages(3, shape);
  const session = await ort.InferenceSession.create(bytes);
  expect(session.inputNames).toEqual([ONNX_INPUT]);
  expect(session.outputNames).toEqual(heads.map((h) => h.task));
  const result = await session.run({
    [ONNX_INPUT]: new ort.Tensor('float32', images, [3, ...shape]),
  });
  const onnxOut = new Map(
    heads.map((h) => [h.task as string, result[h.task]!.data as Float32Array]),
  );
  const tasks = heads.map((h) => h.task);
  const difference = largestDifference(studioOutputs(model, tasks, images, shape), onnxOut);
  console.log(`ONNX vs TensorFlow.js, ${name}: largest difference ${difference.toExponential(2)}`);
  expect(difference).toBeLessThan(1e-4);
  return { dir, bytes };
}

/** onnx.checker's full check (shapes inferred through every op), where python3-onnx is installed. */
async function checkModel(dir: string, bytes: Uint8Array) {
  if (!hasPythonOnnx) {
    console.log('python3-onnx is not installed: the ONNX checker was not run.');
    return;
  }
  const path = join(dir, ONNX_FILE);
  await writeFile(path, bytes);
  const check = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)',
      path,
    ],
    { encoding: 'utf8' },
  );
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
}

describe('ONNX export', () => {
  it('gives the studio’s outputs for a graph with every node kind and activation', async () => {
    const { dir, bytes } = await exportAndCompare('every-kind', everyKindGraph());
    await checkModel(dir, bytes);
  });

  it('gives the studio’s outputs for a U-Net: Resize and ConvTranspose with TensorFlow.js’ sizes', async () => {
    const { dir, bytes } = await exportAndCompare('u-net', uNetGraph());
    await checkModel(dir, bytes);
  });

  it('gives the studio’s outputs for scenes-unet: mask, depth and normals channels-last', async () => {
    const { dir, bytes } = await exportAndCompare('scenes-unet', await exampleGraph('scenes-unet'));
    await checkModel(dir, bytes);
  }, 60_000);

  it('gives the studio’s outputs for the tiny reference model', async () => {
    await exportAndCompare('tiny-reference', tinyReferenceGraph());
  });

  it('gives the studio’s outputs for the Keras reference and shapes-three-tasks', async () => {
    await exportAndCompare('keras-reference', await exampleGraph('keras-reference'));
    await exportAndCompare('shapes-three-tasks', await exampleGraph('shapes-three-tasks'));
  }, 60_000);

  it('gives the studio’s outputs for Gate, Multiply and CrossStitch on images', async () => {
    const { dir, bytes } = await exportAndCompare('gated-images', gatedImagesGraph());
    await checkModel(dir, bytes);
  });

  it.each(ARCHITECTURE_TEMPLATES)(
    'gives the studio’s outputs for the %s template',
    async (name) => {
      const { dir, bytes } = await exportAndCompare(name, await exampleGraph(name));
      await checkModel(dir, bytes);
    },
    60_000,
  );
});
