import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEngineLoops } from '../parallel.ts';
import { seededValues, product } from '../test-support/values.ts';
import { boxCopy, loopCopies, registerWasmBoxCopies } from './box-copy.ts';

/** Seeded values with NaNs of two payloads, −0 and infinities among them (copies keep bits). */
function valuesOf(shape: readonly number[], seed: number): Float32Array {
  const values = seededValues(product(shape), seed);
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < values.length; i += 7) {
    bits[i] = [0x7fc00001, 0xffc01234, 0x80000000, 0x7f800000][(i / 7) % 4] as number;
  }
  return values;
}

const bitsOf = (t: tf.Tensor): number[] =>
  t.dtype === 'float32'
    ? Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer))
    : Array.from(t.dataSync());

/** The shapes and bits of what `f` makes from seeded tensors of `shapes`, on `backend`. */
async function run(
  backend: 'cpu' | 'wasm',
  shapes: readonly (readonly number[])[],
  f: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  dtype: 'float32' | 'int32' | 'finite' = 'float32',
): Promise<{ shape: number[]; bits: number[] }[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = shapes.map((shape, i) =>
      dtype === 'finite'
        ? tf.tensor(seededValues(product(shape), 10 + i), [...shape])
        : dtype === 'float32'
          ? tf.tensor(valuesOf(shape, 10 + i), [...shape])
          : tf.tensor(
              Int32Array.from(seededValues(product(shape), 20 + i), (v) => Math.round(v * 1e6)),
              [...shape],
              'int32',
            ),
    );
    const out = f(xs);
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, bits: bitsOf(t) }));
  });
}

async function expectSameAsCpu(
  shapes: readonly (readonly number[])[],
  f: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  dtype: 'float32' | 'int32' | 'finite' = 'float32',
): Promise<void> {
  const expected = await run('cpu', shapes, f, dtype);
  const actual = await run('wasm', shapes, f, dtype);
  expect(actual).toEqual(expected);
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmBoxCopies();
});

describe('box copies as runs', () => {
  it('makes a channel concatenation one run a pixel, strided in both arrays', () => {
    expect(boxCopy([2, 4, 4, 3], [0, 0, 0, 0], [2, 4, 4, 8], [0, 0, 0, 5], [2, 4, 4, 3])).toEqual({
      source: 0,
      target: 5,
      length: 3,
      axes: [{ count: 32, source: 3, target: 8 }],
    });
  });

  it('makes a slice of whole rows, or of whole tensors along the first axis, one run', () => {
    expect(boxCopy([4, 3, 5], [1, 0, 0], [2, 3, 5], [0, 0, 0], [2, 3, 5])).toEqual({
      source: 15,
      target: 0,
      length: 30,
      axes: [],
    });
    expect(boxCopy([1, 6, 2], [0, 2, 0], [1, 3, 2], [0, 0, 0], [1, 3, 2]).axes).toEqual([]);
  });

  it('keeps a crop of height and width as two axes, and leaves out axes of one', () => {
    expect(boxCopy([2, 9, 8, 3], [1, 2, 1, 0], [1, 4, 5, 3], [0, 0, 0, 0], [1, 4, 5, 3])).toEqual({
      source: 216 + 2 * 24 + 3,
      target: 0,
      length: 15,
      axes: [{ count: 4, source: 24, target: 15 }],
    });
    const crop = boxCopy([2, 9, 8, 3], [0, 2, 1, 1], [2, 4, 5, 2], [0, 0, 0, 0], [2, 4, 5, 2]);
    expect(crop.axes).toEqual([
      { count: 2, source: 216, target: 40 },
      { count: 4, source: 24, target: 10 },
      { count: 5, source: 3, target: 2 },
    ]);
    expect(crop.length).toBe(2);
  });
});

describe('Concat, SplitV and Slice on wasm give the cpu backend’s bits', () => {
  it.each([
    { shapes: [[5], [3], [1]], axis: 0 },
    {
      shapes: [
        [3, 5],
        [3, 2],
      ],
      axis: 1,
    },
    {
      shapes: [
        [3, 5],
        [1, 5],
        [4, 5],
      ],
      axis: 0,
    },
    {
      shapes: [
        [2, 3, 7],
        [2, 5, 7],
      ],
      axis: -2,
    },
    {
      shapes: [
        [2, 3, 3, 5],
        [2, 3, 3, 1],
        [2, 3, 3, 6],
      ],
      axis: 3,
    },
    {
      shapes: [
        [3, 1, 4, 2, 5],
        [3, 1, 4, 3, 5],
      ],
      axis: 3,
    },
    {
      shapes: [
        [2, 0, 3],
        [2, 4, 3],
        [2, 1, 3],
      ],
      axis: 1,
    },
    // A U-Net's skip connection at a small batch.
    {
      shapes: [
        [2, 32, 32, 32],
        [2, 32, 32, 32],
      ],
      axis: 3,
    },
  ])('Concat of $shapes on axis $axis', ({ shapes, axis }) =>
    expectSameAsCpu(shapes, (xs) => tf.concat(xs, axis)),
  );

  it.each([
    { shape: [9], sizes: [4, 5], axis: 0 },
    { shape: [3, 7], sizes: [2, -1, 1], axis: 1 },
    { shape: [2, 5, 3, 6], sizes: 3, axis: 3 },
    { shape: [2, 5, 3, 6], sizes: [1, 0, 4], axis: 1 },
    { shape: [4, 3, 5], sizes: [3, 1], axis: 0 },
    { shape: [2, 32, 32, 64], sizes: 2, axis: -1 },
  ])('SplitV of $shape into $sizes on axis $axis', ({ shape, sizes, axis }) =>
    expectSameAsCpu([shape], ([x]) => tf.split(x as tf.Tensor, sizes, axis)),
  );

  it.each([
    { shape: [11], begin: [3], size: [5] },
    { shape: [5, 7], begin: [1, 2], size: [3, -1] },
    { shape: [4, 3, 5], begin: [1, 0, 0], size: [2, 3, 5] },
    { shape: [2, 9, 8, 3], begin: [0, 2, 1, 1], size: [2, 4, 5, 2] },
    { shape: [3, 12, 12, 14], begin: [0, 0, 0, 10], size: [-1, -1, -1, 2] },
    { shape: [2, 3, 4, 5, 6], begin: [1, 1, 0, 2, 3], size: [1, 2, 4, 3, 2] },
    { shape: [3, 4], begin: [1, 1], size: [0, 2] },
  ])('Slice of $shape at $begin, size $size', ({ shape, begin, size }) =>
    expectSameAsCpu([shape], ([x]) => tf.slice(x as tf.Tensor, begin, size)),
  );

  it('copies int32 tensors, and leaves bool ones to the stock kernels', async () => {
    await expectSameAsCpu(
      [
        [2, 3, 5],
        [2, 3, 2],
      ],
      (xs) => tf.concat(xs, 2),
      'int32',
    );
    await expectSameAsCpu([[4, 6]], ([x]) => tf.split(x as tf.Tensor, [1, 5], 1), 'int32');
    await expectSameAsCpu([[4, 6]], ([x]) => tf.slice(x as tf.Tensor, [1, 2], [2, 3]), 'int32');
    await expectSameAsCpu([[3, 4]], ([x]) => {
      const b = tf.greater(x as tf.Tensor, 0);
      return [tf.concat([b, b], 1), tf.slice(b, [0, 1], [2, 2]), ...tf.split(b, 2, 1)].map((t) =>
        t.toInt(),
      );
    });
  });

  // Finite values: NaN payloads through arithmetic are not promised to match.
  it('gives the same gradients as cpu through a concatenation, a split and a slice', () =>
    expectSameAsCpu(
      [
        [2, 5, 4, 3],
        [2, 5, 4, 6],
        [2, 5, 4, 9],
      ],
      ([a, b, w]) => {
        const f = (p: tf.Tensor, q: tf.Tensor) => {
          const joined = tf.concat([p.relu(), q], 3);
          const [left, right] = tf.split(joined.mul(w as tf.Tensor), [4, 5], 3);
          return tf
            .slice(left as tf.Tensor, [0, 1, 0, 1], [2, 3, 4, 2])
            .sum()
            .add((right as tf.Tensor).square().sum());
        };
        return tf.grads(f)([a as tf.Tensor, b as tf.Tensor]);
      },
      'finite',
    ));
});

describe('the SIMD copy loop', () => {
  it('ran, and gives the JavaScript runs’ bits', async () => {
    await tf.setBackend('wasm');
    const before = loopCopies();
    const x = tf.tensor(valuesOf([3, 7, 5, 9], 3), [3, 7, 5, 9]);
    const y = tf.tensor(valuesOf([3, 7, 5, 4], 4), [3, 7, 5, 4]);
    const bits = (loops: boolean) => {
      useEngineLoops(loops);
      try {
        return tf.tidy(() => [
          bitsOf(tf.concat([x, y, x], 3)),
          ...tf.split(x, [2, 6, 1], 3).map(bitsOf),
          bitsOf(tf.slice(x, [1, 2, 1, 3], [2, 4, 3, 5])),
          bitsOf(tf.slice(x, [0, 1, 0, 0], [3, 5, 5, 9])),
        ]);
      } finally {
        useEngineLoops(true);
      }
    };
    expect(bits(true)).toEqual(bits(false));
    expect(loopCopies()).toBeGreaterThan(before);
    tf.dispose([x, y]);
  });

  it('leaks no tensors and no wasm memory', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(valuesOf([4, 8, 8, 6], 5), [4, 8, 8, 6]);
    const step = () =>
      tf.tidy(() => {
        const [a, b] = tf.split(x, [2, 4], 3);
        return tf
          .concat([b as tf.Tensor, tf.slice(a as tf.Tensor, [0, 0, 0, 1], -1)], 3)
          .sum()
          .dataSync();
      });
    step();
    const tensors = tf.memory().numTensors;
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const bytes = heap();
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap()).toBe(bytes);
    x.dispose();
  });

  it('is a no-op when registered again', () => {
    const first = tf.getKernel('Concat', 'wasm');
    registerWasmBoxCopies();
    expect(tf.getKernel('Concat', 'wasm')).toBe(first);
  });
});
