import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { parseGraphDocument } from '../../core/graph/load.ts';
import { kindSpec } from '../../core/nodes/registry.ts';
import { StudioError } from '../../core/problems.ts';
import { initBackend } from './backend.ts';
import { compileGraph } from './compile.ts';
import { createLayer } from './layer-factory.ts';
import { uNetGraph } from '../export/test-exports.ts';
import { tinyReferenceGraph } from './test-graphs.ts';
import { tf } from './tf.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('compileGraph', () => {
  it('builds the Keras reference with exactly its parameter count and one output per head', () => {
    const doc = parseGraphDocument(
      readFileSync(
        join(import.meta.dirname, '../../assets/examples/keras-reference.graph.json'),
        'utf8',
      ),
    );
    const { model, heads } = compileGraph(doc);
    expect(model.countParams()).toBe(6_313_550);
    expect(model.outputs.map((o) => o.shape)).toEqual([
      [null, 10],
      [null, 4],
    ]);
    expect(heads.map((h) => h.task)).toEqual(['class', 'box']);
    expect(model.layers.map((l) => l.name)).toEqual([
      'image',
      'conv1',
      'pool1',
      'conv2',
      'pool2',
      'cls_flatten',
      'box_flatten',
      'cls_dense',
      'box_dense',
      'class_output',
      'box_output',
    ]);
    model.dispose();
  });

  it('names layers after node ids and starts from the same weights for the same seed', () => {
    const a = compileGraph(tinyReferenceGraph(), { seed: 5 });
    const b = compileGraph(tinyReferenceGraph(), { seed: 5 });
    const c = compileGraph(tinyReferenceGraph(), { seed: 6 });
    expect(a.model.layers.map((l) => l.name)).toEqual(b.model.layers.map((l) => l.name));
    const kernel = (m: typeof a) => m.model.getLayer('conv').getWeights()[0]?.dataSync();
    expect(kernel(a)).toEqual(kernel(b));
    expect(kernel(a)).not.toEqual(kernel(c));
    for (const m of [a, b, c]) m.model.dispose();
  });

  it('leaves out nodes that reach no head and matches the analysis parameter count', () => {
    const doc = tinyReferenceGraph({ extra: true });
    const { model } = compileGraph(doc);
    expect(model.layers.map((l) => l.name)).not.toContain('unused');
    const total = analyzeGraph(doc).totalParams.trainable - (32 * 3 + 3);
    expect(model.countParams()).toBe(total);
    model.dispose();
  });

  it('trains a U-Net’s upsampling and transposed convolutions with WebAssembly kernels only', () => {
    // tfjs has no per-kernel fallback: a kernel missing on wasm would throw here, not run slowly.
    expect(tf.getBackend()).toBe('wasm');
    for (const kernel of [
      'ResizeNearestNeighbor',
      'ResizeNearestNeighborGrad',
      'ResizeBilinear',
      'ResizeBilinearGrad',
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
    ]) {
      expect(tf.getKernel(kernel, 'wasm'), kernel).toBeDefined();
    }
    const doc = uNetGraph();
    const { model, analysis } = compileGraph(doc, { seed: 3 });
    expect(model.countParams()).toBe(analysis.totalParams.trainable);
    const x = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 1);
    const { grads } = tf.variableGrads(() =>
      tf.addN((model.apply(x) as tf.Tensor[]).map((y) => tf.sum(tf.square(y)))).asScalar(),
    );
    for (const id of ['up_same', 'up_valid', 'up_wide', 'enc1']) {
      const g = grads[`${id}/kernel`];
      expect(g, id).toBeDefined();
      const size = tf.tidy(() => tf.sum(tf.abs(g!)).dataSync()[0]!);
      expect(Number.isFinite(size) && size > 0, `${id} gradient ${size}`).toBe(true);
    }
    tf.dispose([x, ...Object.values(grads)]);
    model.dispose();
  });

  it('gives the same numbers as a hand-built tfjs model', () => {
    const { model } = compileGraph(tinyReferenceGraph(), { seed: 1 });
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 9);
    const [cls, box] = model.predict(x) as tf.Tensor[];
    // The same layers applied one by one with the model's own weights.
    const get = (name: string) => model.getLayer(name);
    const manual = tf.tidy(() => {
      const h = get('fc').apply(
        get('flat').apply(get('pool').apply(get('conv').apply(x))),
      ) as tf.Tensor;
      return [get('class_out').apply(h) as tf.Tensor, get('box_out').apply(h) as tf.Tensor];
    });
    expect(Array.from(cls?.dataSync() ?? [])).toEqual(Array.from(manual[0]?.dataSync() ?? []));
    expect(Array.from(box?.dataSync() ?? [])).toEqual(Array.from(manual[1]?.dataSync() ?? []));
    expect(cls?.sum(1).dataSync()[0]).toBeCloseTo(1, 5);
    tf.dispose([x, cls, box, ...manual]);
    model.dispose();
  });

  it('refuses a graph with errors, with the first error as its sentence', () => {
    const doc = tinyReferenceGraph();
    const broken = { ...doc, edges: doc.edges.filter((e) => e.target !== 'flat') };
    expect(() => compileGraph(broken)).toThrow(StudioError);
    expect(() => compileGraph(broken)).toThrow("Flatten 'flat' has nothing connected to its input");
  });

  it.each([0, 1, 2, -1, -2, -3])(
    'joins along the axis the canvas shows: Concatenate axis %i',
    (axis) => {
      const spec = kindSpec('Concatenate');
      const params = spec.params.parse({ inputs: 2, axis });
      const shapes = [[2, 3, 4], [2, 3, 4].map((d, i) => (i === (axis + 3) % 3 ? d + 5 : d))];
      const rule = spec.outputShape(
        params,
        shapes.map((shape, i) => ({ shape, from: `in${i}` })),
        'join',
      );
      if (!rule.ok) throw new Error(rule.message);
      const layer = createLayer(
        spec.layer(params, `join_${axis < 0 ? 'm' : ''}${Math.abs(axis)}`),
        1,
      );
      const out = layer.apply(shapes.map((shape) => tf.input({ shape }))) as tf.SymbolicTensor;
      expect(out.shape).toEqual([null, ...rule.shape]);
    },
  );
});

describe('a detection head starts from CenterNet’s prior', () => {
  it('sets every heatmap logit’s bias to −2.19 (probability 0.1) and the size and offset biases to 0', () => {
    const doc = parseGraphDocument(
      readFileSync(
        join(import.meta.dirname, '../../assets/examples/digits-scenes-detect.graph.json'),
        'utf8',
      ),
    );
    const { model } = compileGraph(doc);
    const [, bias] = model.getLayer('objects').getWeights();
    const values = Array.from(bias!.dataSync());
    expect(values).toHaveLength(14);
    for (const v of values.slice(0, 10)) expect(v).toBeCloseTo(-2.1972, 4);
    expect(values.slice(10)).toEqual([0, 0, 0, 0]);
    // The kernel is still the seeded initialiser's, not zeros.
    const [kernel] = model.getLayer('objects').getWeights();
    expect(Math.max(...Array.from(kernel!.dataSync()).map(Math.abs))).toBeGreaterThan(0.01);
  });
});
