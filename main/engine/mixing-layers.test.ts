import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo } from '../../core/contract/training.ts';
import { loadBuiltInDataset, type Dataset } from '../datasets/index.ts';
import { initBackend } from './backend.ts';
import { compileGraph } from './compile.ts';
import { CrossStitchLayer, GateLayer } from './mixing-layers.ts';
import { loadModel, saveModel } from './model-io.ts';
import { tinyGatedGraph } from './test-graphs.ts';
import { tf } from './tf.ts';
import { trainModel } from './trainer.ts';

let backend: BackendInfo;
let digits: Dataset;
let work: string;
beforeAll(async () => {
  backend = await initBackend('wasm');
  digits = loadBuiltInDataset('digits', { imageShape: [16, 16, 3], seed: 3, limit: 240 });
  work = await mkdtemp(join(tmpdir(), 'mts-mixing-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const values = (t: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[]) =>
  Array.from((t as tf.Tensor).dataSync()).map((v) => Number(v.toFixed(5)));

describe('the Gate and CrossStitch layers', () => {
  it('Gate mixes its experts by softmax(x W + b), worked by hand', () => {
    const gate = new GateLayer({ experts: 2 });
    const x = tf.tensor2d([[1, 0]]);
    const experts = [tf.tensor2d([[4, 8]]), tf.tensor2d([[0, 4]])];
    gate.apply([x, ...experts]);
    // Logits [0, ln 3] + b [0, 0]: shares 1/4 and 3/4, so [4, 8] / 4 + [0, 4] · 3/4 = [1, 5].
    gate.setWeights([
      tf.tensor2d([
        [0, Math.log(3)],
        [5, 5],
      ]),
      tf.zeros([2]),
    ]);
    expect(values(gate.apply([x, ...experts]) as tf.Tensor)).toEqual([1, 5]);
    // On images each share scales the whole expert.
    const images = [tf.ones([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1])];
    expect(values(gate.apply([x, ...images]) as tf.Tensor)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('CrossStitch starts near identity: its own column at selfWeight, the rest shared', () => {
    const stitch = new CrossStitchLayer({ columns: 3, selfWeight: 0.8 });
    const columns = [tf.tensor2d([[10, 20]]), tf.tensor2d([[1, 1]]), tf.tensor2d([[0, 3]])];
    const out = stitch.apply(columns) as tf.Tensor;
    expect(values(stitch.getWeights()[0]!)).toEqual([0.8, 0.1, 0.1]);
    expect(values(out)).toEqual([8.1, 16.4]);
  });

  it('a tiny gated graph trains on WebAssembly, every kernel of its step native to it, and loads back from model.json', async () => {
    const graph = tinyGatedGraph();
    const compiled = compileGraph(graph);
    const x = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 1);
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => {
        const out = compiled.model.apply(x, { training: true }) as tf.Tensor[];
        return tf.addN(out.map((o) => o.square().mean())) as tf.Scalar;
      });
      tf.dispose([value, ...Object.values(grads)]);
    });
    // The profile names op scopes too ('fusedMatMul__op'); those run the kernels listed beside them.
    const kernels = info.kernelNames.filter((k) => !k.endsWith('__op'));
    expect(kernels).toEqual(expect.arrayContaining(['Softmax', 'SplitV', 'Multiply']));
    expect(kernels.filter((k) => !tf.getKernel(k, 'wasm'))).toEqual([]);

    const result = await trainModel({
      compiled,
      dataset: digits,
      settings: graph.training,
      backend,
      onEvent: () => {},
    });
    expect(result.status).toBe('finished');
    expect(tf.getBackend()).toBe('wasm');
    const [first, , last] = result.history;
    for (const task of ['class', 'box']) {
      expect(last?.train.tasks[task]?.loss).toBeLessThan(first?.train.tasks[task]?.loss ?? 0);
    }
    // The stitches learned: their weights left 0.9 / 0.1.
    const alpha = values(compiled.model.getLayer('class_stitch').getWeights()[0]!);
    expect(alpha).not.toEqual([0.9, 0.1]);

    await saveModel(compiled.model, join(work, 'model'));
    const loaded = await loadModel(join(work, 'model'));
    expect(loaded.getLayer('class_gate')).toBeInstanceOf(GateLayer);
    expect(loaded.getLayer('box_stitch')).toBeInstanceOf(CrossStitchLayer);
    const before = compiled.model.predict(x) as tf.Tensor[];
    const after = loaded.predict(x) as tf.Tensor[];
    before.forEach((b, i) => expect(values(after[i]!)).toEqual(values(b)));
    tf.dispose([x, ...before, ...after]);
  }, 120_000);
});
