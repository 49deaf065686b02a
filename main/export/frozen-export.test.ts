import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
import { writeTrainedRun } from './test-exports.ts';
import { pythonHas, REFERENCE_PYTHON, referenceMissing, runPython } from './test-python.ts';

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-frozen-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** The tiny reference with a BatchNormalization after its convolution, the trunk frozen. */
function frozenTrunk(training: Partial<GraphDocument['training']> = {}): GraphDocument {
  const base = tinyReferenceGraph({ classes: 5 });
  const frozen = new Set(['conv', 'bn', 'fc']);
  const nodes = [
    ...base.nodes,
    { id: 'bn', kind: 'BatchNormalization' as const, params: {}, position: { x: 0, y: 0 } },
  ].map((n) => (frozen.has(n.id) ? { ...n, params: { ...n.params, trainable: false } } : n));
  const edges = base.edges.map((e) =>
    e.source === 'conv' ? { ...e, id: 'bn-pool', source: 'bn' } : e,
  );
  edges.push({ id: 'conv-bn', source: 'conv', target: 'bn', targetPort: 'in' });
  return { ...base, nodes, edges, training: { ...base.training, ...training } };
}

async function exportProject(name: string, graph: GraphDocument, format: 'keras' | 'pytorch') {
  const run = join(work, `${name}-run`);
  await writeTrainedRun(graph, run);
  const project = join(work, name);
  await writeExportFolder(project, await exportRunFiles(run, { format, checkpoint: 'best' }));
  return project;
}

describe('exports keep frozen nodes frozen', () => {
  const noKeras = referenceMissing('keras', 'h5py');
  it('model.py of the Keras export gives the frozen layers trainable=False', async () => {
    const project = await exportProject('keras', frozenTrunk(), 'keras');
    const text = await readFile(join(project, 'model.py'), 'utf8');
    expect(text.match(/trainable=False/g)).toHaveLength(3);
    expect(text).toMatch(/layers\.Conv2D\(.*name="conv", trainable=False\)/);
    expect(text).toMatch(/layers\.BatchNormalization\(.*name="bn", trainable=False\)/);
    expect(text).toMatch(/layers\.Dense\(32, .*name="fc", trainable=False\)/);
    expect(text).not.toMatch(/name="class_out", trainable/);
  });

  it.skipIf(noKeras)(
    `real Keras builds it with the studio's trainable and non-trainable counts${noKeras ? ` (skipped: ${noKeras})` : ''}`,
    async () => {
      const graph = frozenTrunk();
      const project = await exportProject('keras-real', graph, 'keras');
      const out = await runPython(
        [
          '-c',
          `import json, model
m = model.load_weights(model.build_model())
count = lambda ws: int(sum(int(w.numpy().size) for w in ws))
print(json.dumps({"trainable": count(m.trainable_weights), "nonTrainable": count(m.non_trainable_weights),
                  "frozen": sorted(l.name for l in m.layers if not l.trainable)}))`,
        ],
        project,
        {},
        240_000,
        REFERENCE_PYTHON,
      );
      const keras = JSON.parse(out) as {
        trainable: number;
        nonTrainable: number;
        frozen: string[];
      };
      expect(keras).toEqual({ ...analyzeGraph(graph).totalParams, frozen: ['bn', 'conv', 'fc'] });
    },
    300_000,
  );

  it.skipIf(!pythonHas('torch', 'numpy', 'PIL'))(
    "train.py freezes the frozen layers' parameters (BatchNorm in eval mode) and unfreezes them at the epoch",
    async () => {
      const graph = frozenTrunk({ unfreezeAt: 2, unfreeze: 'all', unfreezeLearningRate: 0.002 });
      const project = await exportProject('torch', graph, 'pytorch');
      const model = await readFile(join(project, 'model.py'), 'utf8');
      expect(model).toContain('FROZEN = ("conv", "bn", "fc", )');
      expect(model).toContain('getattr(self, name).requires_grad_(False)');
      const spec = JSON.parse(await readFile(join(project, 'training.json'), 'utf8')) as {
        fineTune: unknown;
      };
      expect(spec.fineTune).toEqual({
        unfreezeAt: 2,
        unfreeze: ['conv', 'bn', 'fc'],
        learningRate: 0.002,
      });
      const data = join(work, 'shapes-data');
      const shapes = loadBuiltInDataset('shapes', { imageShape: [16, 16, 3], seed: 3, limit: 48 });
      await writeExportFolder(data, await exportDatasetFiles(asTrainingData(shapes), 'csv'));
      const train = (epochs: number, out: string) =>
        runPython(['train.py', '--data', data, '--epochs', String(epochs), '--out', out], project, {
          OMP_NUM_THREADS: '1',
        });
      const one = await train(1, 'one');
      expect(one).not.toContain('"unfrozen"');
      const two = await train(2, 'two');
      expect(two).toContain('{"type": "unfrozen", "epoch": 2, "layers": ["conv", "bn", "fc"]}');
      // Which parameters and running statistics each run changed, against the exported ones.
      const changed = JSON.parse(
        await runPython(
          [
            '-c',
            `import json, numpy as np, torch
from model import load_model
m = load_model(".").train()
start = np.load("weights.npz")
def changed(folder):
    with np.load(folder + "/weights.npz") as w:
        return sorted(k for k in w.files if not np.array_equal(w[k], start[k]))
print(json.dumps({"one": changed("one"), "two": changed("two"),
                  "grad": sorted(n for n, p in m.named_parameters() if p.requires_grad),
                  "bnTraining": m.bn.training}))`,
          ],
          project,
        ),
      ) as { one: string[]; two: string[]; grad: string[]; bnTraining: boolean };
      expect(changed.grad).toEqual([
        'box_out.bias',
        'box_out.weight',
        'class_out.bias',
        'class_out.weight',
      ]);
      expect(changed.bnTraining).toBe(false);
      expect(changed.one).toEqual(changed.grad);
      expect(changed.two).toEqual(
        expect.arrayContaining(['conv.weight', 'bn.running_mean', 'fc.weight', ...changed.grad]),
      );
    },
    300_000,
  );
});
