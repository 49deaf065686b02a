import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEngineLoops } from '../parallel.ts';
import { product, seededValues } from '../test-support/values.ts';
import { broadcastPasses, registerWasmBroadcastBinary } from './broadcast-binary.ts';
import { rowBroadcastPasses, rowsOf } from './row-broadcast.ts';
import { MIN_VALUES, elementwisePasses, registerWasmElementwise } from './elementwise.ts';

/** Seeded values with zeros of both signs, infinities, NaNs and subnormals among them. */
function valuesOf(shape: readonly number[], seed: number): Float32Array {
  const values = seededValues(product(shape), seed).map((v) => v * 5);
  const specials = [0, -0, Infinity, -Infinity, Number.NaN, 1e-45, -1e-45, 1e-30];
  for (let i = seed; i < values.length; i += 7) values[i] = specials[i % specials.length] as number;
  return values;
}

/** The bits of each value, every NaN written the same way (NaN payloads are not promised). */
const bitsOf = (values: Float32Array): (number | 'NaN')[] =>
  Array.from(new Uint32Array(Float32Array.from(values).buffer), (b, i) =>
    Number.isNaN(values[i]) ? 'NaN' : b,
  );

const UNARY = { relu: tf.relu, neg: tf.neg, abs: tf.abs, square: tf.square } as const;
const BINARY = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;

type Result = { shape: number[]; bits: (number | 'NaN')[] };

async function unary(backend: string, name: keyof typeof UNARY, shape: number[]): Promise<Result> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = UNARY[name](tf.tensor(valuesOf(shape, 1), shape));
    return { shape: out.shape, bits: bitsOf(out.dataSync() as Float32Array) };
  });
}

async function binary(
  backend: string,
  name: keyof typeof BINARY,
  aShape: number[],
  bShape: number[],
): Promise<Result> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = BINARY[name](
      tf.tensor(valuesOf(aShape, 2), aShape),
      tf.tensor(valuesOf(bShape, 3), bShape),
    );
    return { shape: out.shape, bits: bitsOf(out.dataSync() as Float32Array) };
  });
}

/** The same values through the stock wasm kernels (the engine's loops off). */
async function stock<T>(f: () => Promise<T>): Promise<T> {
  useEngineLoops(false);
  try {
    return await f();
  } finally {
    useEngineLoops(true);
  }
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmElementwise();
  registerWasmBroadcastBinary();
});

// Below the engine's size (stock), at it, with a remainder of four, and an activation.
const SHAPES = [[7], [MIN_VALUES], [MIN_VALUES + 3], [3, 17, 19, 5], [2, 24, 24, 16]];

describe('Relu, Neg, Abs and Square on wasm', () => {
  it.each(Object.keys(UNARY) as (keyof typeof UNARY)[])(
    '%s gives the cpu backend’s and the stock kernel’s bits',
    async (name) => {
      for (const shape of SHAPES) {
        const before = elementwisePasses();
        const engine = await unary('wasm', name, shape);
        expect(elementwisePasses() - before).toBe(product(shape) >= MIN_VALUES ? 1 : 0);
        expect(engine, JSON.stringify(shape)).toEqual(await unary('cpu', name, shape));
        expect(engine, JSON.stringify(shape)).toEqual(
          await stock(() => unary('wasm', name, shape)),
        );
      }
    },
  );
});

describe('Add, Sub, Multiply and RealDiv with a scalar or a value per row, and of one shape, on wasm', () => {
  const pairs: [number[], number[]][] = [
    ...SHAPES.map((s): [number[], number[]] => [s, s]),
    [[3, 17, 19, 5], []],
    [[], [3, 17, 19, 5]],
    [
      [1, 1],
      [MIN_VALUES + 1, 3],
    ],
    // A value per row: rows of 5, 3, 1 + 4 and 4096 values, the small operand on either side.
    [
      [2, 24, 24, 5],
      [2, 24, 24, 1],
    ],
    [
      [3, 700, 1],
      [3, 700, 3],
    ],
    [
      [5, 9, 1, 1],
      [5, 9, 13, 7],
    ],
    [
      [4, 1],
      [4, 4096],
    ],
    [
      [64, 1],
      [64, 64],
    ],
    // Below the engine's size, or a scalar of higher rank than the other: stock.
    [[9], []],
    [[1, 1, 1], [MIN_VALUES]],
  ];
  it.each(Object.keys(BINARY) as (keyof typeof BINARY)[])(
    '%s gives the cpu backend’s and the stock kernel’s bits',
    async (name) => {
      for (const [a, b] of pairs) {
        const engine = await binary('wasm', name, a, b);
        const where = JSON.stringify({ a, b });
        expect(engine, where).toEqual(await binary('cpu', name, a, b));
        expect(engine, where).toEqual(await stock(() => binary('wasm', name, a, b)));
      }
    },
  );

  it('leaves two tensors of one shape, and long rows, to XNNPACK', async () => {
    const before = [elementwisePasses(), broadcastPasses(), rowBroadcastPasses()];
    await binary('wasm', 'add', [2, 24, 24, 16], [2, 24, 24, 16]);
    await binary('wasm', 'mul', [4, 4096], [4, 1]);
    expect([elementwisePasses(), broadcastPasses(), rowBroadcastPasses()]).toEqual(before);
  });

  it('takes a large tensor and a scalar through the broadcast pass (a table of four)', async () => {
    const before = broadcastPasses();
    await binary('wasm', 'mul', [9], []);
    expect(broadcastPasses()).toBe(before);
    await binary('wasm', 'sub', [], [2, 24, 24, 16]);
    expect(broadcastPasses()).toBe(before + 1);
  });

  it('takes a value per row through the row pass', async () => {
    const before = rowBroadcastPasses();
    await binary('wasm', 'div', [2, 24, 24, 1], [2, 24, 24, 5]);
    expect(rowBroadcastPasses()).toBe(before + 1);
    expect(rowsOf([2, 24, 24, 1], [2, 24, 24, 5])).toEqual({ rows: 2 * 24 * 24, length: 5 });
    expect(rowsOf([32, 1, 1], [32, 4, 5])).toEqual({ rows: 32, length: 20 });
    expect(rowsOf([1, 5], [3, 5])).toBeUndefined();
    expect(rowsOf([3, 1], [3, 1])).toBeUndefined();
    expect(rowsOf([3, 1, 5], [3, 4, 5])).toBeUndefined();
    expect(rowsOf([1, 1], [3, 4])).toBeUndefined();
    expect(rowsOf([3], [3, 1])).toBeUndefined();
  });

  it('leaks no tensors and no wasm memory', async () => {
    await tf.setBackend('wasm');
    const step = async () => {
      await binary('wasm', 'mul', [2, 24, 24, 16], [2, 24, 24, 16]);
      await binary('wasm', 'mul', [2, 24, 24, 16], []);
      await binary('wasm', 'mul', [2, 24, 24, 16], [2, 24, 24, 1]);
      await unary('wasm', 'relu', [2, 24, 24, 16]);
    };
    await step();
    const tensors = tf.memory().numTensors;
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const bytes = heap();
    for (let i = 0; i < 20; i++) await step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap()).toBe(bytes);
  });

  it('is a no-op when registered again', () => {
    const first = tf.getKernel('Relu', 'wasm');
    registerWasmElementwise();
    expect(tf.getKernel('Relu', 'wasm')).toBe(first);
  });
});
