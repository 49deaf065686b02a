import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEngineLoops } from '../parallel.ts';
import { product, seededValues } from '../test-support/values.ts';
import { broadcastPasses, registerWasmBroadcastBinary, repeatsOver } from './broadcast-binary.ts';

/** Seeded values with zeros of both signs and infinities among them. */
function valuesOf(shape: readonly number[], seed: number): Float32Array {
  const values = seededValues(product(shape), seed).map((v) => v * 5);
  const specials = [0, -0, Infinity, -Infinity, 1e-30];
  for (let i = 3; i < values.length; i += 11) values[i] = specials[i % specials.length] as number;
  return values;
}

/** The bits of each value, every NaN written the same way (NaN payloads are not promised). */
const bitsOf = (values: Float32Array): (number | 'NaN')[] =>
  Array.from(new Uint32Array(Float32Array.from(values).buffer), (b, i) =>
    Number.isNaN(values[i]) ? 'NaN' : b,
  );

const OPS = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;

async function run(
  backend: 'cpu' | 'wasm',
  name: keyof typeof OPS,
  aShape: number[],
  bShape: number[],
): Promise<{ shape: number[]; bits: (number | 'NaN')[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = OPS[name](
      tf.tensor(valuesOf(aShape, 1), aShape),
      tf.tensor(valuesOf(bShape, 2), bShape),
    );
    return { shape: out.shape, bits: bitsOf(out.dataSync() as Float32Array) };
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmBroadcastBinary();
});

describe('a vector repeated over leading axes', () => {
  it('is told from other broadcasts', () => {
    expect(repeatsOver([7], [2, 3, 5, 7])).toBe(true);
    expect(repeatsOver([1, 1, 1, 7], [2, 3, 5, 7])).toBe(true);
    expect(repeatsOver([5, 7], [2, 3, 5, 7])).toBe(true);
    expect(repeatsOver([1, 5, 1], [2, 5, 1])).toBe(true);
    expect(repeatsOver([1], [2, 3])).toBe(false);
    expect(repeatsOver([2, 1, 7], [2, 3, 7])).toBe(false);
    expect(repeatsOver([3, 7], [2, 5, 7])).toBe(false);
    expect(repeatsOver([2, 3, 5, 7, 1], [3, 5, 7])).toBe(false);
  });
});

describe('Add, Sub, Multiply and RealDiv on wasm give the cpu backend’s bits', () => {
  const shapes: [number[], number[]][] = [
    [[2, 3, 5, 7], [7]],
    [[7], [2, 3, 5, 7]],
    [
      [1, 1, 1, 6],
      [3, 4, 4, 6],
    ],
    [
      [3, 4, 5],
      [4, 5],
    ],
    [
      [5, 6],
      [1, 6],
    ],
    [[2, 9, 9, 48], [48]],
    [[3, 2], [2]],
    // Stock cases: one shape and a scalar below the engine's sizes, a broadcast inside.
    [
      [4, 5],
      [4, 5],
    ],
    [[4, 5], [1]],
    [
      [2, 1, 3],
      [2, 4, 3],
    ],
  ];
  it.each(['add', 'sub', 'mul', 'div'] as const)('%s', async (name) => {
    for (const [a, b] of shapes) {
      const expected = await run('cpu', name, a, b);
      expect(await run('wasm', name, a, b), JSON.stringify({ a, b })).toEqual(expected);
    }
  });

  it('gives the JavaScript loop’s bits through the SIMD pass, which ran', async () => {
    const before = broadcastPasses();
    const bits = async (loops: boolean) => {
      useEngineLoops(loops);
      try {
        return await Promise.all(
          (['add', 'sub', 'mul', 'div'] as const).flatMap((name) => [
            run('wasm', name, [3, 7, 5, 6], [6]),
            run('wasm', name, [5, 6], [3, 7, 5, 6]),
          ]),
        );
      } finally {
        useEngineLoops(true);
      }
    };
    const simd = await bits(true);
    expect(broadcastPasses()).toBeGreaterThan(before);
    expect(simd).toEqual(await bits(false));
  });

  it('leaks no tensors and no wasm memory', async () => {
    await tf.setBackend('wasm');
    await run('wasm', 'mul', [4, 8, 8, 12], [12]);
    const tensors = tf.memory().numTensors;
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const bytes = heap();
    for (let i = 0; i < 20; i++) await run('wasm', 'mul', [4, 8, 8, 12], [12]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap()).toBe(bytes);
  });

  it('is a no-op when registered again', () => {
    const first = tf.getKernel('Multiply', 'wasm');
    registerWasmBroadcastBinary();
    expect(tf.getKernel('Multiply', 'wasm')).toBe(first);
  });
});
