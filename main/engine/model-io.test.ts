import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { thousands } from '../../core/format.ts';
import { initBackend } from './backend.ts';
import { compileGraph } from './compile.ts';
import { MODEL_FILE, WEIGHTS_FILE } from '../runs/run-manifest.ts';
import { loadModel, saveModel } from './model-io.ts';
import { tinyReferenceGraph } from './test-graphs.ts';
import { tf } from './tf.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('model export', () => {
  it('writes the TensorFlow.js Layers format and loads back with the same predictions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mts-model-'));
    const { model } = compileGraph(tinyReferenceGraph(), { seed: 11 });
    await saveModel(model, dir);

    const json = JSON.parse(await readFile(join(dir, MODEL_FILE), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_FILE]);
    expect(json.modelTopology.config.output_layers.map((o: unknown[]) => o[0])).toEqual([
      'class_out',
      'box_out',
    ]);
    const bytes = (await readFile(join(dir, WEIGHTS_FILE))).byteLength;
    expect(bytes).toBe(model.countParams() * 4);

    const loaded = await loadModel(dir);
    const x = tf.randomUniform([3, 16, 16, 3], 0, 1, 'float32', 4);
    const a = model.predict(x) as tf.Tensor[];
    const b = loaded.predict(x) as tf.Tensor[];
    expect(b).toHaveLength(2);
    a.forEach((t, i) =>
      expect(Array.from(b[i]?.dataSync() ?? [])).toEqual(Array.from(t.dataSync())),
    );
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    tf.dispose([x, ...a, ...b]);
    model.dispose();
    loaded.dispose();
  });

  it('says what is missing when a folder holds no model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mts-empty-'));
    await expect(loadModel(dir)).rejects.toThrow(
      `No readable model in ${dir}: model.json is missing.`,
    );
  });

  it('names a cut weights file with its size instead of a typed-array error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mts-cut-'));
    const { model } = compileGraph(tinyReferenceGraph(), { seed: 11 });
    await saveModel(model, dir);
    model.dispose();
    const bin = join(dir, WEIGHTS_FILE);
    const bytes = await readFile(bin);
    await writeFile(bin, bytes.subarray(0, bytes.length - 2));
    await expect(loadModel(dir)).rejects.toThrow(
      `${bin} is ${thousands(bytes.length - 2)} bytes, but the weightsManifest of ${join(dir, MODEL_FILE)} declares ${thousands(bytes.length)}: the file is cut short.`,
    );
  });
});
