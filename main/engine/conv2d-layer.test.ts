import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { createConv2D } from './conv2d-layer.ts';
import { tf } from './tf.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const config = { filters: 3, kernelSize: 3, padding: 'same', activation: 'linear', useBias: true };

/** Input → conv → flatten → dense, with `conv`'s weights set from the seeded values. */
function model(conv: tf.layers.Layer) {
  const input = tf.input({ shape: [6, 5, 2] });
  const out = tf.layers
    .dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
    .apply(tf.layers.flatten().apply(conv.apply(input)));
  const m = tf.model({ inputs: input, outputs: out as tf.SymbolicTensor });
  conv.setWeights([
    tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 1),
    tf.randomNormal([3], 0, 1, 'float32', 2),
  ]);
  return m;
}

/** The loss's gradient for every trainable weight, and the kernels the gradient ran. */
async function gradients(m: tf.LayersModel, x: tf.Tensor) {
  let grads: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(m.apply(x) as tf.Tensor)));
    grads = m.trainableWeights.map((w) => g[w.originalName] ?? tf.scalar(NaN));
  });
  return { grads, kernels: profile.kernels.map((k) => k.name) };
}

describe('the training Conv2D layer', () => {
  const images = () => tf.randomNormal([4, 6, 5, 2], 0, 1, 'float32', 7);

  it('leaves out the gradient of an input nothing needs, with the same weight gradients', async () => {
    const x = images();
    const ours = await gradients(model(createConv2D({ ...config })), x);
    const stock = await gradients(model(tf.layers.conv2d({ ...config } as never)), x);
    // The stock fused op works out the images' gradient too; ours does not.
    expect(stock.kernels.filter((k) => k === 'Conv2DBackpropInput')).toHaveLength(1);
    expect(ours.kernels.filter((k) => k === 'Conv2DBackpropInput')).toHaveLength(0);
    expect(ours.grads).toHaveLength(4);
    ours.grads.forEach((g, i) => {
      const want = stock.grads[i]!.dataSync();
      const got = g.dataSync();
      expect(got.length).toBe(want.length);
      got.forEach((v, j) => expect(v).toBeCloseTo(want[j]!, 4));
    });
  });

  it('keeps the fused op outside a gradient and serialises as tfjs’ Conv2D', async () => {
    const x = images();
    const conv = createConv2D({ ...config });
    const m = model(conv);
    const stock = model(tf.layers.conv2d({ ...config } as never));
    expect((m.predict(x) as tf.Tensor).dataSync()).toEqual(
      (stock.predict(x) as tf.Tensor).dataSync(),
    );
    expect(conv.getClassName()).toBe('Conv2D');
    const json = m.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } };
    expect(json.config.layers.map((l) => l.class_name)).toContain('Conv2D');
  });

  it('runs a convolution with an activation as tfjs does', async () => {
    const x = images();
    const relu = { ...config, activation: 'relu' };
    const ours = await gradients(model(createConv2D({ ...relu })), x);
    const stock = await gradients(model(tf.layers.conv2d({ ...relu } as never)), x);
    ours.grads.forEach((g, i) => expect(g.dataSync()).toEqual(stock.grads[i]!.dataSync()));
  });
});
