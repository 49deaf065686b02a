import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.ts';
import { FusedAdamOptimizer } from '../fused-adam.ts';
import { tf } from '../tf.ts';
import { BATCH_NORM_GRAD } from './kernels/batch-norm-grad.ts';
import { engineLoop, engineLoopRecords } from './parallel.ts';
import { backendMemory } from './emit.ts';
import { seededValues } from './test-support/values.ts';

const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } })
  .WebAssembly;

/**
 * One seeded step of a small conv net and two Adam updates on the threaded backend, and a channel
 * concatenation, split, slice and batch normalization and its gradient: every loop the engine writes runs in it (the filter gradient's
 * and the Dense layer's products, the bias's Sum, MaxPoolGrad, ReLU's gradient, Adam, the box
 * copies, the batch normalization, the bias's broadcast Add, the element-wise passes).
 */
function step(): void {
  const x = tf.tensor4d(seededValues(8 * 16 * 16 * 8, 1), [8, 16, 16, 8]);
  const filter = tf.variable(tf.tensor4d(seededValues(3 * 3 * 8 * 32, 2), [3, 3, 8, 32]));
  const bias = tf.variable(tf.tensor1d(seededValues(32, 4)));
  const dense = tf.variable(tf.tensor2d(seededValues(8 * 8 * 32 * 64, 3), [8 * 8 * 32, 64]));
  const { grads } = tf.variableGrads(() => {
    const conv = tf.conv2d(x, filter, 1, 'same').add<tf.Tensor4D>(bias);
    const h = tf.maxPool(tf.relu(conv), 2, 2, 'valid');
    return tf
      .matMul(h.reshape([8, -1]), dense)
      .square()
      .mean() as tf.Scalar;
  });
  const adam = new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-7);
  for (let i = 0; i < 2; i++)
    adam.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
  const [, right] = tf.split(tf.concat([x, x.relu()], 3), [3, 13], 3);
  const crop = tf.slice(right as tf.Tensor4D, [0, 1, 1, 2], [8, 8, 8, 5]);
  const [mean, variance] = [crop.mean([0, 1, 2]), crop.square().mean([0, 1, 2])];
  tf.batchNorm(crop, mean, variance, undefined, undefined, 1e-3);
  const dy = crop.neg();
  const scale = mean.add(1);
  tf.engine().runKernel(
    BATCH_NORM_GRAD,
    { x: crop, dy, mean, variance, scale },
    {
      varianceEpsilon: 1e-3,
    },
  );
  // The element-wise passes: a scalar, a value per row, and the unary kernels.
  const perPixel = x.sum(3, true);
  x.add(x).sub(x).mul(x).div(x.abs().add(1)).neg().abs().square().mul(perPixel);
}

describe("the engine's generated WebAssembly modules", () => {
  beforeAll(async () => {
    await initBackend('wasm', { threads: 2 });
    step();
  });

  it('are valid for both memories, compiled here, and ran their SIMD path', () => {
    const records = engineLoopRecords();
    const ids = records.map((r) => r.id);
    for (const id of [
      'adam',
      'relu grad',
      'column sums',
      'box copy',
      'batch norm',
      'batch norm grad sums',
      'batch norm grad dx',
      'broadcast add',
      'row broadcast mul',
      'unary relu',
      'unary neg',
      'unary abs',
      'unary square',
    ])
      expect(ids).toContain(id);
    expect(ids.some((id) => id.startsWith('max-pool grad'))).toBe(true);
    expect(ids.some((id) => id.startsWith('gemm'))).toBe(true);
    for (const r of records) {
      expect({ id: r.id, shared: wasm.validate(r.bytes(true)) }).toEqual({
        id: r.id,
        shared: true,
      });
      expect({ id: r.id, plain: wasm.validate(r.bytes(false)) }).toEqual({ id: r.id, plain: true });
      expect({ id: r.id, error: r.error }).toEqual({ id: r.id, error: undefined });
      expect({ id: r.id, ran: r.runs > 0 }).toEqual({ id: r.id, ran: true });
    }
  });

  it('record a module that does not compile with the reason, instead of falling back in silence', () => {
    const memory = backendMemory(tf.backend());
    if (memory === undefined) throw new Error('The wasm backend has no memory.');
    const broken = () => Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01);
    expect(engineLoop(memory, 'broken on purpose', broken, 'f')).toBeUndefined();
    const record = engineLoopRecords().find((r) => r.id === 'broken on purpose');
    expect(record?.error).toMatch(/\S/);
  });
});
