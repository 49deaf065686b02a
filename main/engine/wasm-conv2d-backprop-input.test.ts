import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConv2DBackpropFilter } from './wasm-conv2d-backprop-filter.ts';
import { registerWasmConv2DBackpropInput } from './wasm-conv2d-backprop-input.ts';

type Padding = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
type RoundingMode = 'floor' | 'round' | 'ceil';
type Shape4 = [number, number, number, number];

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  pad: Padding;
  dimRoundingMode?: RoundingMode;
}

const TOLERANCE = 1e-4;
/** Largest relative error and comparison count, against the cpu backend and against float64. */
const worst = { cpu: 0, float64: 0 };
const compared = { cpu: 0, float64: 0 };

/** Deterministic values in [-1, 1) so both backends see identical data. */
function seededValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

const xShape = (c: ConvCase): Shape4 => [c.batch, c.height, c.width, c.inChannels];

const filterShape = (c: ConvCase): Shape4 => [
  c.kernel[0],
  c.kernel[1],
  c.inChannels,
  c.outChannels,
];

function convInfo(c: ConvCase): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape(c),
    filterShape(c),
    c.strides,
    1,
    c.pad,
    c.dimRoundingMode,
  );
}

const outputShape = (c: ConvCase): number[] => convInfo(c).outShape;

/** Largest |actual - expected| / max(1, |expected|). */
function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] ?? Number.NaN;
    const a = actual[i] ?? Number.NaN;
    const error = Math.abs(a - e) / Math.max(1, Math.abs(e));
    worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
  }
  return worst;
}

function record(against: 'cpu' | 'float64', error: number, what: unknown): void {
  worst[against] = Math.max(worst[against], error);
  compared[against]++;
  expect(error, JSON.stringify(what)).toBeLessThan(TOLERANCE);
}

/** d/dx of sum(conv2d(x, filter) * lossWeights) through tf.grad, so dy is not all ones. */
async function inputGradient(
  backend: 'cpu' | 'wasm',
  c: ConvCase,
  seed: number,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const filter = tf.tensor4d(seededValues(product(filterShape(c)), seed + 1), filterShape(c));
    const outShape = outputShape(c);
    const weights = tf.tensor(seededValues(product(outShape), seed + 2), outShape);
    const loss = (x: tf.Tensor) =>
      tf
        .conv2d(x as tf.Tensor4D, filter, c.strides, c.pad, 'NHWC', 1, c.dimRoundingMode)
        .mul(weights)
        .sum();
    const x = tf.tensor4d(seededValues(product(xShape(c)), seed), xShape(c));
    return tf.grad(loss)(x).dataSync() as Float32Array;
  });
}

async function expectWasmMatchesCpu(c: ConvCase, seed: number): Promise<void> {
  // The wasm forward conv writes out of bounds when its output is empty, so never run one.
  if (product(outputShape(c)) === 0) return;
  const expected = await inputGradient('cpu', c, seed);
  const actual = await inputGradient('wasm', c, seed);
  record('cpu', maxRelativeError(actual, expected), c);
}

/**
 * dX[b, y·sh + i − top, x·sw + j − left, ci] += dY[b, y, x, co] · W[i, j, ci, co] in float64, with
 * dy's own size saying how many windows there were.
 */
function referenceInputGradient(c: ConvCase, dy: Float32Array, w: Float32Array): Float64Array {
  const { top, left } = convInfo(c).padInfo;
  const [, outHeight = 0, outWidth = 0] = outputShape(c);
  const [kh, kw] = c.kernel;
  const [sh, sw] = c.strides;
  const { height: H, width: W, inChannels: ci, outChannels: co } = c;
  const dx = new Float64Array(product(xShape(c)));
  for (let b = 0; b < c.batch; b++)
    for (let y = 0; y < outHeight; y++)
      for (let x = 0; x < outWidth; x++)
        for (let i = 0; i < kh; i++) {
          const row = y * sh + i - top;
          if (row < 0 || row >= H) continue;
          for (let j = 0; j < kw; j++) {
            const col = x * sw + j - left;
            if (col < 0 || col >= W) continue;
            for (let a = 0; a < ci; a++) {
              let sum = 0;
              for (let o = 0; o < co; o++) {
                const g = dy[((b * outHeight + y) * outWidth + x) * co + o] ?? Number.NaN;
                sum += g * (w[((i * kw + j) * ci + a) * co + o] ?? Number.NaN);
              }
              const k = ((b * H + row) * W + col) * ci + a;
              dx[k] = (dx[k] ?? 0) + sum;
            }
          }
        }
  return dx;
}

/** Runs the registered wasm kernel directly, with dy the size the forward conv gives. */
async function expectKernelMatchesReference(c: ConvCase, seed: number): Promise<void> {
  await tf.setBackend('wasm');
  const dy = seededValues(product(outputShape(c)), seed);
  const w = seededValues(product(filterShape(c)), seed + 1);
  const actual = tf.tidy(() => {
    const dx = tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy: tf.tensor(dy, outputShape(c)), filter: tf.tensor4d(w, filterShape(c)) },
        {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          dimRoundingMode: c.dimRoundingMode ?? null,
          inputShape: xShape(c),
        } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
    return dx.dataSync() as Float32Array;
  });
  record('float64', maxRelativeError(actual, referenceInputGradient(c, dy, w)), c);
}

function wasmHeapBytes(): number {
  const backend = tf.findBackend('wasm') as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.length;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmConv2DBackpropFilter();
  registerWasmConv2DBackpropInput();
});

afterAll(() => {
  console.info(
    `wasm Conv2DBackpropInput: largest relative error ${worst.cpu} against cpu ` +
      `(${compared.cpu} comparisons), ${worst.float64} against float64 (${compared.float64})`,
  );
});

describe('wasm Conv2DBackpropInput against the cpu backend', () => {
  const strideGrid: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 3],
    [1, 2],
  ];
  const cases = strideGrid.flatMap((strides) =>
    (['same', 'valid'] as const).map((pad) => ({ strides, pad })),
  );

  it.each(cases)('strides $strides, padding $pad', async ({ strides, pad }) => {
    let seed = 1;
    for (const k of [1, 2, 3, 5])
      for (const [height, width] of [
        [7, 7],
        [8, 9],
      ] as const)
        for (const batch of [1, 3])
          for (const inChannels of [1, 3])
            for (const outChannels of [2, 4])
              await expectWasmMatchesCpu(
                {
                  batch,
                  height,
                  width,
                  inChannels,
                  outChannels,
                  kernel: [k, k],
                  strides,
                  pad,
                },
                (seed += 3),
              );
  });

  // Explicit pads beyond the kernel, pads that are not a multiple of the stride, windows that
  // end in the padding, rectangular kernels and strides that skip the last rows of x.
  const edgeCases: ConvCase[] = [
    ...[
      [1, 1],
      [2, 2],
      [3, 3],
      [1, 2],
      [2, 3],
    ].flatMap(([sh = 1, sw = 1]): ConvCase[] => [
      {
        batch: 2,
        height: 7,
        width: 8,
        inChannels: 3,
        outChannels: 2,
        kernel: [3, 3],
        strides: [sh, sw],
        pad: [
          [0, 0],
          [2, 0],
          [0, 3],
          [0, 0],
        ],
      },
      {
        batch: 2,
        height: 9,
        width: 6,
        inChannels: 2,
        outChannels: 3,
        kernel: [2, 4],
        strides: [sh, sw],
        pad: [
          [0, 0],
          [0, 1],
          [1, 0],
          [0, 0],
        ],
      },
      {
        batch: 1,
        height: 5,
        width: 5,
        inChannels: 1,
        outChannels: 2,
        kernel: [1, 1],
        strides: [sh, sw],
        pad: [
          [0, 0],
          [3, 2],
          [2, 3],
          [0, 0],
        ],
      },
    ]),
    ...(['same', 'valid'] as const).flatMap((pad) =>
      [
        [3, 1],
        [2, 3],
        [4, 4],
      ].map(([sh = 1, sw = 1]): ConvCase => ({
        batch: 3,
        height: 10,
        width: 11,
        inChannels: 2,
        outChannels: 3,
        kernel: [2, 5],
        strides: [sh, sw],
        pad,
      })),
    ),
    // tfjs sizes a numeric pad's width with the height's stride and kernel, so only square
    // kernels with equal strides are consistent there.
    ...[1, 2, 3].flatMap((s) =>
      [1, 2].map((pad): ConvCase => ({
        batch: 2,
        height: 8,
        width: 8,
        inChannels: 3,
        outChannels: 4,
        kernel: [3, 3],
        strides: [s, s],
        pad,
        dimRoundingMode: 'floor',
      })),
    ),
  ];

  it('handles explicit and numeric padding and rectangular kernels and strides', async () => {
    let seed = 1000;
    for (const c of edgeCases) await expectWasmMatchesCpu(c, (seed += 3));
  });

  // tfjs's Conv2D gradient drops dimRoundingMode, so compare a 'ceil'/'round' forward conv's
  // extra windows against a float64 reference through the kernel directly.
  it.each(['round', 'ceil'] as const)(
    "follows dy's size for numeric padding rounded with '%s'",
    async (dimRoundingMode) => {
      let seed = 2000;
      for (const s of [1, 2, 3])
        for (const pad of [1, 2])
          await expectKernelMatchesReference(
            {
              batch: 2,
              height: 8,
              width: 9,
              inChannels: 3,
              outChannels: 4,
              kernel: [3, 3],
              strides: [s, s],
              pad,
              dimRoundingMode,
            },
            (seed += 3),
          );
    },
  );

  it('handles the reference model conv shape at a small batch', async () => {
    await expectKernelMatchesReference(
      {
        batch: 2,
        height: 16,
        width: 16,
        inChannels: 32,
        outChannels: 64,
        kernel: [3, 3],
        strides: [1, 1],
        pad: 'same',
      },
      7,
    );
  });
});

describe('training stacked tf.layers.conv2d on wasm', () => {
  const inputShape: Shape4 = [3, 11, 10, 3];
  const input = seededValues(product(inputShape), 11);

  /** conv → conv; only the second conv's input gradient reaches Conv2DBackpropInput. */
  function twoConvModel(second: { strides: number; padding: 'same' | 'valid' }): tf.Sequential {
    return tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: inputShape.slice(1),
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        tf.layers.conv2d({ filters: 5, kernelSize: 3, activation: 'tanh', ...second }),
      ],
    });
  }

  async function allGradients(
    backend: 'cpu' | 'wasm',
    second: { strides: number; padding: 'same' | 'valid' },
  ): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const model = twoConvModel(second);
    try {
      tf.tidy(() =>
        model.setWeights(
          model.getWeights().map((w, i) => tf.tensor(seededValues(w.size, 12 + i), w.shape)),
        ),
      );
      return tf.tidy(() => {
        const x = tf.tensor4d(input, inputShape);
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(
          () => (model.apply(x) as tf.Tensor).square().mean() as tf.Scalar,
          variables,
        );
        return variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
      });
    } finally {
      model.dispose();
    }
  }

  it.each([
    { strides: 1, padding: 'same' as const },
    { strides: 2, padding: 'valid' as const },
  ])(
    'matches cpu for every kernel and bias (second conv strides $strides, $padding)',
    async (second) => {
      const expected = await allGradients('cpu', second);
      const actual = await allGradients('wasm', second);
      expect(actual).toHaveLength(4);
      actual.forEach((a, i) =>
        record('cpu', maxRelativeError(a, expected[i] ?? []), { second, i }),
      );
    },
  );

  it('leaks no tensors and no wasm memory', async () => {
    await tf.setBackend('wasm');
    // Stride 1 'same' and stride 2 'valid' on 15 columns, so both the plain path and the
    // interleave-and-slice path run every step.
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [15, 15, 8], filters: 16, kernelSize: 3, padding: 'same' }),
        tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same' }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2 }),
      ],
    });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const x = tf.randomUniform([8, 15, 15, 8]);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => (model.apply(x) as tf.Tensor).square().mean() as tf.Scalar,
          variables,
        );
        value.dataSync();
        Object.values(grads).forEach((g) => g.dataSync());
      });
    step(); // lets the heap reach its working size
    const tensors = tf.memory().numTensors;
    const heap = wasmHeapBytes();
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    // Each step allocates dy-sized temporaries (~0.1 MB) and packs a new filter, so a leak over
    // 20 steps would have had to grow the heap.
    expect(wasmHeapBytes()).toBe(heap);
    model.dispose();
    x.dispose();
  });
});

describe('registerWasmConv2DBackpropInput', () => {
  it('is a no-op when called again', () => {
    const first = tf.getKernel('Conv2DBackpropInput', 'wasm');
    expect(first).toBeDefined();
    expect(() => registerWasmConv2DBackpropInput()).not.toThrow();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(first);
  });

  it('refuses NCHW with a sentence naming the format', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([1, 2, 5, 5]);
    const filter = tf.zeros([3, 3, 3, 2]);
    expect(() =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropInput',
          { dy, filter },
          { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [1, 3, 5, 5] },
        ),
    ).toThrow(/supports dataFormat 'NHWC' only, got 'NCHW'/);
    tf.dispose([dy, filter]);
  });

  it('gives a zero gradient for an empty batch', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([0, 4, 4, 2]);
    const filter = tf.ones([3, 3, 3, 2]);
    const dx = tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy, filter },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [0, 4, 4, 3] },
      ) as tf.Tensor;
    expect(dx.shape).toEqual([0, 4, 4, 3]);
    tf.dispose([dy, filter, dx]);
  });
});
