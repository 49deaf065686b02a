import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { initBackend } from '../engine/backend.ts';
import { asTrainingData } from '../engine/batches.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { exportDatasetFiles } from './dataset.ts';
import { exportRunFiles, writeExportFolder } from './index.ts';
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
import { torchOutputs } from './test-generated-python.ts';
import { pythonHas, runPython } from './test-python.ts';

const hasTorch = pythonHas('torch', 'numpy', 'PIL');
if (!hasTorch) {
  console.log(
    '/usr/bin/python3 has no torch (apt-get install python3-torch): the PyTorch export checks are skipped.',
  );
}

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-torch-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** What train.py prints, one JSON object per line. */
interface TrainLine {
  type: string;
  epoch?: number;
  seconds?: number;
  train: { tasks: { class: { loss: number }; box: { loss: number } } };
}

async function exportProject(name: string, graph: GraphDocument) {
  const run = join(work, `${name}-run`);
  const model = await writeTrainedRun(graph, run);
  const project = join(work, name);
  await writeExportFolder(
    project,
    await exportRunFiles(run, { format: 'pytorch', checkpoint: 'best' }),
  );
  return { model, project };
}

async function compare(name: string, graph: GraphDocument) {
  const { model, project } = await exportProject(name, graph);
  const { heads, nodes, inputId } = analyzeGraph(graph);
  const shape = nodes.get(inputId!)!.outputShape!;
  const images = randomImages(3, shape);
  await writeFile(join(project, 'x.bin'), images);
  const out = await torchOutputs(project, 'x.bin');
  const tasks = heads.map((h) => h.task);
  expect(Object.keys(out)).toEqual(tasks);
  const difference = largestDifference(
    studioOutputs(model, tasks, images, shape),
    new Map(Object.entries(out)),
  );
  console.log(
    `PyTorch vs TensorFlow.js, ${name}: largest difference ${difference.toExponential(2)}`,
  );
  expect(difference).toBeLessThan(1e-4);
}

describe.skipIf(!hasTorch)('PyTorch project export', () => {
  it('load_model(".") gives the studio’s outputs for every node kind and activation', async () => {
    await compare('every-kind', everyKindGraph());
  }, 60_000);

  it('gives the studio’s outputs for a U-Net: interpolate and ConvTranspose2d with TensorFlow.js’ sizes', async () => {
    await compare('u-net', uNetGraph());
  }, 60_000);

  it('gives the studio’s outputs for shapes-three-tasks', async () => {
    await compare('shapes-three-tasks', await exampleGraph('shapes-three-tasks'));
  }, 120_000);

  it('gives the studio’s outputs for Gate, Multiply and CrossStitch on images', async () => {
    await compare('gated-images', gatedImagesGraph());
  }, 60_000);

  it.each(ARCHITECTURE_TEMPLATES)(
    'gives the studio’s outputs for the %s template',
    async (name) => {
      await compare(name, await exampleGraph(name));
    },
    120_000,
  );
  it('gives the studio’s outputs for scenes-unet: mask, depth and normals channels-last', async () => {
    await compare('scenes-unet', await exampleGraph('scenes-unet'));
  }, 120_000);

  it('train.py with 2 processes on CPU trains one epoch on an exported dataset and lowers both losses', async () => {
    const graph = tinyReferenceGraph({ classes: 5 });
    const { project } = await exportProject('tiny', graph);
    const data = join(work, 'shapes-data');
    const shapes = loadBuiltInDataset('shapes', { imageShape: [16, 16, 3], seed: 3, limit: 160 });
    await writeExportFolder(data, await exportDatasetFiles(asTrainingData(shapes), 'csv'));
    const lines = (
      await runPython(
        [
          'train.py',
          '--data',
          data,
          '--nproc',
          '2',
          '--epochs',
          '1',
          '--learning-rate',
          '0.01',
          '--out',
          'trained',
        ],
        project,
        { OMP_NUM_THREADS: '1' },
      )
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TrainLine);
    const [started, before, after, done] = lines;
    expect(started).toMatchObject({ type: 'started', processes: 2, backend: 'gloo', train: 128 });
    expect(before!.epoch).toBe(0);
    expect(after!.epoch).toBe(1);
    for (const task of ['class', 'box'] as const) {
      expect(after!.train.tasks[task].loss).toBeLessThan(before!.train.tasks[task].loss);
    }
    console.log(
      `train.py, 2 processes (gloo), 1 epoch on 128 images: ${after!.seconds} s; class loss ${before!.train.tasks.class.loss.toFixed(3)} → ${after!.train.tasks.class.loss.toFixed(3)}, box loss ${before!.train.tasks.box.loss.toFixed(3)} → ${after!.train.tasks.box.loss.toFixed(3)}`,
    );
    expect(done).toMatchObject({ type: 'done' });
    await runPython(['-c', 'from model import load_model; load_model("trained")'], project);
    // Three Python processes each import torch: seconds on a quiet machine, minutes on a busy one.
  }, 300_000);
});
