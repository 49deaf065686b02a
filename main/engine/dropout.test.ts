import { beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { initBackend } from './backend.ts';
import { compileGraph } from './compile.ts';
import { setDropoutStep } from './dropout.ts';
import { tinyReferenceGraph } from './test-graphs.ts';
import { tf, type Tensor } from './tf.ts';
import { trainModel } from './trainer.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const graph = tinyReferenceGraph({ dropout: true });

/** Which of a [4, 32] block of ones the Dropout layer keeps at a step, while training. */
function maskAt(model: tf.LayersModel, step: number): number[] {
  setDropoutStep(model, step);
  return tf.tidy(() => {
    const out = model.getLayer('drop').apply(tf.ones([4, 32]), { training: true }) as Tensor;
    return Array.from(out.dataSync(), (v) => (v === 0 ? 0 : 1));
  });
}

describe('Dropout', () => {
  it('draws a new mask each training step, the same one for the same seed and step', () => {
    const a = compileGraph(graph);
    const b = compileGraph(graph);
    const first = maskAt(a.model, 0);
    const second = maskAt(a.model, 1);
    expect(second).not.toEqual(first);
    // About half of the values are dropped, as the rate asks.
    expect(first.filter((k) => k === 0).length).toBeGreaterThan(32);
    expect(first.filter((k) => k === 0).length).toBeLessThan(96);
    expect(maskAt(b.model, 1)).toEqual(second);
    expect(maskAt(b.model, 0)).toEqual(first);
    // Another seed, other masks.
    const c = compileGraph(graph, { seed: 4 });
    expect(maskAt(c.model, 1)).not.toEqual(second);
    // Inference is unchanged, and the layer is saved as the Dropout it was built from.
    const input = tf.ones([4, 32]);
    const inferred = a.model.getLayer('drop').apply(input, { training: false }) as Tensor;
    expect(Array.from(inferred.dataSync())).toEqual(new Array(128).fill(1));
    const layer = a.model.getLayer('drop');
    expect(layer.getClassName()).toBe('Dropout');
    expect(layer.getConfig()).toMatchObject({ name: 'drop', rate: 0.5, seed: 3000 + 5 });
    tf.dispose([input, inferred]);
    for (const m of [a, b, c]) m.model.dispose();
  });

  it('masks each step of a training run differently', async () => {
    const compiled = compileGraph(graph);
    const layer = compiled.model.getLayer('drop');
    const call = layer.call.bind(layer);
    // Per step: for each value the Dense layer left non-zero, whether Dropout kept it.
    const kept: Map<number, boolean>[] = [];
    layer.call = (inputs, kwargs) => {
      const out = call(inputs, kwargs) as Tensor;
      if (kwargs.training) {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor;
        const [xs, ys] = [x.dataSync(), out.dataSync()];
        const step = new Map<number, boolean>();
        xs.forEach((v, i) => v !== 0 && step.set(i, ys[i] !== 0));
        kept.push(step);
      }
      return out;
    };
    const digits = loadBuiltInDataset('digits', { imageShape: [16, 16, 3], seed: 3, limit: 64 });
    const result = await trainModel({
      compiled,
      dataset: digits,
      settings: { ...graph.training, epochs: 1 },
      backend: { name: 'wasm', threads: 1 } as never,
      onEvent: () => {},
    });
    expect(result.status).toBe('finished');
    expect(kept.length).toBeGreaterThanOrEqual(2);
    const [first, second] = kept as [Map<number, boolean>, Map<number, boolean>];
    const both = [...first.keys()].filter((i) => second.has(i));
    expect(both.length).toBeGreaterThan(20);
    expect(both.some((i) => first.get(i) !== second.get(i))).toBe(true);
    compiled.model.dispose();
  });
});
