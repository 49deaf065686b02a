import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConv2DBackpropFilter } from './wasm-conv2d-backprop-filter.ts';

type Padding = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
type RoundingMode = 'floor' | 'round' | 'ceil';

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

interface ConvData {
  x: Float32Array;
  filter: Float32Array;
  /** Weights of the loss sum(conv(x, filter) * lossWeights), so dy is not all ones. */
  lossWeights: Float32Array;
}

const TOLERANCE = 1e-4;
let largestError = 0;

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

function xShape(c: ConvCase): [number, number, number, number] {
  return [c.batch, c.height, c.width, c.inChannels];
}

function filterShape(c: ConvCase): [number, number, number, number] {
  return [c.kernel[0], c.kernel[1], c.inChannels, c.outChannels];
}

function outputShape(c: ConvCase): number[] {
  return tf.backend_util.computeConv2DInfo(
    xShape(c),
    filterShape(c),
    c.strides,
    1,
    c.pad,
    c.dimRoundingMode,
  ).outShape;
}

function dataFor(c: ConvCase, seed: number): ConvData {
  return {
    x: seededValues(product(xShape(c)), seed),
    filter: seededValues(product(filterShape(c)), seed + 1),
    lossWeights: seededValues(product(outputShape(c)), seed + 2),
  };
}

/** d/dfilter of sum(conv2d(x, filter) * lossWeights) through tf.grad on the given backend. */
async function filterGradient(
  backend: 'cpu' | 'wasm',
  c: ConvCase,
  data: ConvData,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(data.x, xShape(c));
    const weights = tf.tensor(data.lossWeights, outputShape(c));
    const loss = (filter: tf.Tensor) =>
      tf
        .conv2d(x, filter as tf.Tensor4D, c.strides, c.pad, 'NHWC', 1, c.dimRoundingMode)
        .mul(weights)
        .sum();
    return tf
      .grad(loss)(tf.tensor4d(data.filter, filterShape(c)))
      .dataSync() as Float32Array;
  });
}

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

async function expectWasmMatchesCpu(c: ConvCase, seed: number): Promise<void> {
  const data = dataFor(c, seed);
  const expected = await filterGradient('cpu', c, data);
  const actual = await filterGradient('wasm', c, data);
  const error = maxRelativeError(actual, expected);
  largestError = Math.max(largestError, error);
  expect(error, JSON.stringify(c)).toBeLessThan(TOLERANCE);
}

/**
 * dW[i, j, ci, co] = sum over b, y, x of X[b, y*sh + i - top, x*sw + j - left, ci] * dY[b, y, x, co]
 * in float64, with dy's own size deciding how far the windows reach (see the 'ceil' test).
 */
function referenceFilterGradient(c: ConvCase, x: Float32Array, dy: Float32Array): Float64Array {
  const info = tf.backend_util.computeConv2DInfo(
    xShape(c),
    filterShape(c),
    c.strides,
    1,
    c.pad,
    c.dimRoundingMode,
  );
  const [outHeight = 0, outWidth = 0] = outputShape(c).slice(1, 3);
  const { top, left } = info.padInfo;
  const [kh, kw] = c.kernel;
  const [sh, sw] = c.strides;
  const { height: H, width: W, inChannels: ci, outChannels: co } = c;
  const dW = new Float64Array(kh * kw * ci * co);
  for (let b = 0; b < c.batch; b++)
    for (let y = 0; y < outHeight; y++)
      for (let xo = 0; xo < outWidth; xo++)
        for (let i = 0; i < kh; i++) {
          const row = y * sh + i - top;
          if (row < 0 || row >= H) continue;
          for (let j = 0; j < kw; j++) {
            const col = xo * sw + j - left;
            if (col < 0 || col >= W) continue;
            for (let a = 0; a < ci; a++) {
              const xv = x[((b * H + row) * W + col) * ci + a] ?? Number.NaN;
              for (let o = 0; o < co; o++) {
                const g = dy[((b * outHeight + y) * outWidth + xo) * co + o] ?? Number.NaN;
                const k = ((i * kw + j) * ci + a) * co + o;
                dW[k] = (dW[k] ?? 0) + xv * g;
              }
            }
          }
        }
  return dW;
}

/** Runs the registered wasm kernel directly, with dy the size the forward conv gives. */
async function wasmKernelFilterGradient(
  c: ConvCase,
  x: Float32Array,
  dy: Float32Array,
): Promise<Float32Array> {
  await tf.setBackend('wasm');
  return tf.tidy(() => {
    const dW = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor4d(x, xShape(c)), dy: tf.tensor(dy, outputShape(c)) },
        {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          dimRoundingMode: c.dimRoundingMode ?? null,
          filterShape: filterShape(c),
        } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
    return dW.dataSync() as Float32Array;
  });
}

async function expectWasmMatchesReference(c: ConvCase, seed: number): Promise<void> {
  const x = seededValues(product(xShape(c)), seed);
  const dy = seededValues(product(outputShape(c)), seed + 1);
  const error = maxRelativeError(
    await wasmKernelFilterGradient(c, x, dy),
    referenceFilterGradient(c, x, dy),
  );
  largestError = Math.max(largestError, error);
  expect(error, JSON.stringify(c)).toBeLessThan(TOLERANCE);
}

function wasmHeapBytes(): number {
  const backend = tf.findBackend('wasm') as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.length;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmConv2DBackpropFilter();
});

afterAll(() => {
  console.info(
    `wasm Conv2DBackpropFilter: largest relative error vs cpu or float64 ${largestError}`,
  );
});

describe('wasm Conv2DBackpropFilter against the cpu backend', () => {
  const strideGrid: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 3],
    [1, 2],
  ];
  const sizes: [number, number][] = [
    [7, 7],
    [8, 9],
  ];
  const cases = strideGrid.flatMap((strides) =>
    (['same', 'valid'] as const).map((pad) => ({ strides, pad })),
  );

  it.each(cases)('strides $strides, padding $pad', async ({ strides, pad }) => {
    let seed = 1;
    for (const k of [1, 2, 3, 5])
      for (const [height, width] of sizes)
        for (const batch of [1, 3])
          for (const inChannels of [1, 3])
            for (const outChannels of [2, 4]) {
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
            }
  });

  // Explicit and numeric padding and the rounding modes move the bottom/right edge of the last
  // window away from the forward conv's padding: beyond it ('ceil'), or short of the input's
  // last rows (negative padding needed, which the kernel slices off instead).
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
    // tfjs sizes a numeric pad's width with the height's stride and kernel, so only square
    // kernels with equal strides are consistent there.
    ...[1, 2, 3].flatMap((s) =>
      (['floor', undefined] as const).flatMap((dimRoundingMode) =>
        [1, 2].map((pad): ConvCase => ({
          batch: 2,
          height: 8,
          width: 9,
          inChannels: 3,
          outChannels: 4,
          kernel: [3, 3],
          strides: [s, s],
          pad,
          dimRoundingMode,
        })),
      ),
    ),
    // Non-square kernels with 'same'/'valid' and strides that leave input rows unused.
    ...(['same', 'valid'] as const).flatMap((pad) =>
      [
        [3, 1],
        [2, 3],
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
  ];

  it('handles explicit and numeric padding, rounding modes and rectangular kernels', async () => {
    let seed = 1000;
    for (const c of edgeCases) await expectWasmMatchesCpu(c, (seed += 3));
  });

  // tfjs's Conv2D gradient drops dimRoundingMode, so the cpu kernel sizes the windows with 'floor'
  // and ignores the extra row and column a 'ceil' or 'round' forward conv produced; compare those
  // with a float64 reference of the forward conv's own windows instead.
  it.each(['round', 'ceil'] as const)(
    "follows dy's size for numeric padding rounded with '%s'",
    async (dimRoundingMode) => {
      let seed = 2000;
      for (const s of [1, 2, 3])
        for (const pad of [1, 2])
          await expectWasmMatchesReference(
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

  it('handles the seed model conv shapes at a small batch', async () => {
    await expectWasmMatchesReference(
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

describe('training a tf.layers.conv2d on wasm', () => {
  interface LayerGradients {
    kernel: Float32Array;
    bias: Float32Array;
  }
  const inputShape: [number, number, number, number] = [3, 9, 8, 3];
  const input = seededValues(product(inputShape), 11);

  async function layerGradients(
    backend: 'cpu' | 'wasm',
    config: { strides: number; padding: 'same' | 'valid' },
  ): Promise<LayerGradients> {
    await tf.setBackend(backend);
    const conv = tf.layers.conv2d({
      inputShape: inputShape.slice(1),
      filters: 4,
      kernelSize: 3,
      activation: 'relu',
      ...config,
    });
    const model = tf.sequential({ layers: [conv] });
    try {
      tf.tidy(() =>
        model.setWeights(
          model.getWeights().map((w, i) => tf.tensor(seededValues(w.size, 12 + i), w.shape)),
        ),
      );
      return tf.tidy(() => {
        const x = tf.tensor4d(input, inputShape);
        const [kernel, bias] = conv.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(
          () => (model.apply(x) as tf.Tensor).square().mean() as tf.Scalar,
          [kernel!, bias!],
        );
        return {
          kernel: grads[kernel!.name]!.dataSync() as Float32Array,
          bias: grads[bias!.name]!.dataSync() as Float32Array,
        };
      });
    } finally {
      model.dispose();
    }
  }

  it.each([
    { strides: 1, padding: 'same' as const },
    { strides: 2, padding: 'valid' as const },
  ])('matches cpu for kernel and bias (strides $strides, $padding)', async (config) => {
    const expected = await layerGradients('cpu', config);
    const actual = await layerGradients('wasm', config);
    const kernelError = maxRelativeError(actual.kernel, expected.kernel);
    const biasError = maxRelativeError(actual.bias, expected.bias);
    largestError = Math.max(largestError, kernelError, biasError);
    expect(kernelError).toBeLessThan(TOLERANCE);
    expect(biasError).toBeLessThan(TOLERANCE);
  });

  it('leaks no tensors and no wasm memory', async () => {
    await tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [32, 32, 16], filters: 16, kernelSize: 3 })],
    });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const x = tf.randomUniform([8, 32, 32, 16]);
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
    // The dY operand is ~0.5 MB per call (and the conv caches packed weights per filter), so a
    // leak over 20 calls would have had to grow the heap.
    expect(wasmHeapBytes()).toBe(heap);
    model.dispose();
    x.dispose();
  });
});

describe('registerWasmConv2DBackpropFilter', () => {
  it('is a no-op when called again', () => {
    const first = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    expect(first).toBeDefined();
    expect(() => registerWasmConv2DBackpropFilter()).not.toThrow();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(first);
  });

  it('refuses NCHW with a sentence naming the format', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 3, 5, 5]);
    const dy = tf.zeros([1, 2, 5, 5]);
    expect(() =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 2] },
        ),
    ).toThrow(/supports dataFormat 'NHWC' only, got 'NCHW'/);
    tf.dispose([x, dy]);
  });

  it('gives a zero gradient for an empty batch', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([0, 4, 4, 3]);
    const dy = tf.zeros([0, 4, 4, 2]);
    const dW = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 2] },
      ) as tf.Tensor;
    expect(dW.shape).toEqual([3, 3, 3, 2]);
    expect(Array.from(dW.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, dy, dW]);
  });
});
