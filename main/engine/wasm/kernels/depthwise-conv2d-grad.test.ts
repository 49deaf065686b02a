import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConv2DBackpropFilter } from './conv2d-backprop-filter.ts';
import { registerWasmDepthwiseConv2DGrad } from './depthwise-conv2d-grad.ts';
import { maxRelativeError, product, seededValues } from '../test-support/values.ts';

type Shape4 = [number, number, number, number];

/** d/dx and d/dfilter of sum(depthwiseConv2d(x, filter) * weights) on `backend`. */
async function gradients(
  backend: 'cpu' | 'wasm',
  xShape: Shape4,
  filterShape: Shape4,
  strides: number,
  pad: 'same' | 'valid',
): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(seededValues(product(xShape), 1), xShape);
    const filter = tf.tensor4d(seededValues(product(filterShape), 2), filterShape);
    const conv = (a: tf.Tensor4D, f: tf.Tensor4D) => tf.depthwiseConv2d(a, f, strides, pad);
    const outShape = conv(x, filter).shape;
    const weights = tf.tensor(seededValues(product(outShape), 3), outShape);
    const [dx, dw] = tf.grads((a, f) =>
      conv(a as tf.Tensor4D, f as tf.Tensor4D)
        .mul(weights)
        .sum(),
    )([x, filter]);
    return [dx?.dataSync() as Float32Array, dw?.dataSync() as Float32Array] as [
      Float32Array,
      Float32Array,
    ];
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmDepthwiseConv2DGrad();
  registerWasmConv2DBackpropFilter();
});

describe('wasm depthwise convolution gradients against the cpu backend', () => {
  it.each([
    { x: [2, 7, 9, 3], f: [3, 3, 3, 1], strides: 1, pad: 'same' },
    { x: [2, 7, 9, 3], f: [3, 3, 3, 2], strides: 2, pad: 'same' },
    { x: [1, 9, 8, 5], f: [3, 5, 5, 3], strides: 2, pad: 'valid' },
    { x: [3, 5, 6, 2], f: [2, 2, 2, 1], strides: 3, pad: 'valid' },
    { x: [1, 11, 7, 4], f: [5, 5, 4, 2], strides: 1, pad: 'same' },
  ] as const)('x $x, filter $f, strides $strides, $pad', async (c) => {
    const xShape = [...c.x] as Shape4;
    const filterShape = [...c.f] as Shape4;
    const [cpuDx, cpuDw] = await gradients('cpu', xShape, filterShape, c.strides, c.pad);
    const [dx, dw] = await gradients('wasm', xShape, filterShape, c.strides, c.pad);
    expect(maxRelativeError(dx, cpuDx)).toBeLessThan(1e-5);
    expect(maxRelativeError(dw, cpuDw)).toBeLessThan(1e-5);
  });
});

describe('training a depthwise and a separable layer on wasm', () => {
  const model = () =>
    tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({ inputShape: [9, 7, 3], kernelSize: 3, depthMultiplier: 2 }),
        tf.layers.separableConv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });

  it('takes a step with every weight as on cpu', async () => {
    const step = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const m = model();
      const weights = m
        .getWeights()
        .map((w, i) => tf.tensor(seededValues(w.size, 10 + i), w.shape));
      m.setWeights(weights);
      m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      const x = tf.tensor4d(seededValues(2 * 9 * 7 * 3, 4), [2, 9, 7, 3]);
      const y = tf.tensor2d(seededValues(4, 5), [2, 2]);
      await m.trainOnBatch(x, y);
      const after = m.getWeights().map((w) => w.dataSync() as Float32Array);
      tf.dispose([x, y, ...weights]);
      m.dispose();
      return after;
    };
    const cpu = await step('cpu');
    const wasm = await step('wasm');
    expect(wasm.length).toBe(cpu.length);
    wasm.forEach((w, i) => expect(maxRelativeError(w, cpu[i] as Float32Array)).toBeLessThan(1e-4));
  });
});

describe('registerWasmDepthwiseConv2DGrad', () => {
  it('is a no-op when called again', () => {
    const first = tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm');
    registerWasmDepthwiseConv2DGrad();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBe(first);
  });
});
