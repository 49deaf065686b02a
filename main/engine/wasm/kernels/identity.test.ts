import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../tf.ts';
import { registerWasmIdentity } from './identity.ts';

const heapBytes = () =>
  (tf.findBackend('wasm') as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmIdentity();
});

describe('wasm Identity', () => {
  it('clones without copying: the clone shares the memory and outlives its original', () => {
    const before = tf.memory().numBytes;
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = x.clone();
    expect(y.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    expect(y.shape).toEqual([2, 2]);
    y.dispose();
    expect(tf.memory().numBytes).toBe(before);
    const s = tf.tensor1d(['a', 'b'], 'string');
    expect(s.clone().dataSync()).toEqual(['a', 'b']);
  });

  it('leaves a gradient step as it was: same gradients, no tensor or heap growth', () => {
    const w = tf.variable(tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]));
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const grad = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => x.matMul(w).relu().square().sum() as tf.Scalar,
          [w],
        );
        return Array.from((grads[w.name] as tf.Tensor).dataSync());
      });
    const first = grad();
    // d/dw Σ relu(xw)² = xᵀ·(2·relu(xw)), by hand.
    const xw = [
      [1 * 0.5 + 2 * 2, 1 * -1 + 2 * 0.25],
      [3 * 0.5 + 4 * 2, 3 * -1 + 4 * 0.25],
      [5 * 0.5 + 6 * 2, 5 * -1 + 6 * 0.25],
    ].map((row) => row.map((v) => 2 * Math.max(v, 0)));
    const rows = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const expected = [0, 1].flatMap((i) =>
      [0, 1].map((j) => rows.reduce((s, r, k) => s + (r[i] as number) * (xw[k]?.[j] ?? 0), 0)),
    );
    expect(first).toEqual(expected);
    const tensors = tf.memory().numTensors;
    const heap = heapBytes();
    for (let i = 0; i < 20; i++) expect(grad()).toEqual(first);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heapBytes()).toBe(heap);
    tf.dispose([w, x]);
  });
});
