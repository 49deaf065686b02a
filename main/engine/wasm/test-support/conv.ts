/**
 * Test scaffolding shared by the wasm Conv2D backprop kernel tests (filter and input): the cases,
 * the seeded data, the cpu and float64 comparisons and the leak check. Only what is specific to a
 * kernel (its float64 reference, which kernel runs) stays in its test file.
 */
import * as tf from '@tensorflow/tfjs';
// Registers the wasm backend that every helper here switches to.
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { maxRelativeError, product, seededValues } from './values.ts';

export { maxRelativeError, product, seededValues };

export type Padding =
  'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
export type RoundingMode = 'floor' | 'round' | 'ceil';
export type Shape4 = [number, number, number, number];

/** One forward conv2d(x, filter), NHWC with dilation 1, whose gradient a test compares. */
export interface ConvCase {
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

/** Largest relative error either kernel may show against cpu or float64. */
const TOLERANCE = 1e-4;

export const xShape = (c: ConvCase): Shape4 => [c.batch, c.height, c.width, c.inChannels];

export const filterShape = (c: ConvCase): Shape4 => [
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

/** The forward conv's output, which is dy's shape. */
export const outputShape = (c: ConvCase): number[] => convInfo(c).outShape;

/** A case from its NHWC x and HWIO filter shapes, which read shorter than nine named fields. */
export function caseFromShapes(
  x: Shape4,
  filter: Shape4,
  strides: [number, number],
  pad: Padding,
  dimRoundingMode?: RoundingMode,
): ConvCase {
  const [batch, height, width, inChannels] = x;
  const [kh, kw, filterIn, outChannels] = filter;
  if (filterIn !== inChannels) {
    throw new Error(
      `A filter of shape [${filter}] needs ${filterIn} input channels; x has ${inChannels}.`,
    );
  }
  const c: ConvCase = {
    batch,
    height,
    width,
    inChannels,
    outChannels,
    kernel: [kh, kw],
    strides,
    pad,
  };
  return dimRoundingMode === undefined ? c : { ...c, dimRoundingMode };
}

/** The strides × padding pairs the cpu comparison gives one test each. */
export const gridStridesAndPadding = (
  [
    [1, 1],
    [2, 2],
    [3, 3],
    [1, 2],
  ] as [number, number][]
).flatMap((strides) => (['same', 'valid'] as const).map((pad) => ({ strides, pad })));

/** Every kernel size, image size, batch and channel count for one strides × padding pair. */
export function gridCases(strides: [number, number], pad: 'same' | 'valid'): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const k of [1, 2, 3, 5])
    for (const [height, width] of [
      [7, 7],
      [8, 9],
    ] as const)
      for (const batch of [1, 3])
        for (const inChannels of [1, 3])
          for (const outChannels of [2, 4])
            cases.push(
              caseFromShapes(
                [batch, height, width, inChannels],
                [k, k, inChannels, outChannels],
                strides,
                pad,
              ),
            );
  return cases;
}

const explicitPad = (top: number, bottom: number, left: number, right: number): Padding => [
  [0, 0],
  [top, bottom],
  [left, right],
  [0, 0],
];

/**
 * Explicit pads beyond the kernel, pads that are not a multiple of the stride and windows that end
 * in the padding, at five stride pairs.
 */
export const explicitPaddingCases: ConvCase[] = (
  [
    [1, 1],
    [2, 2],
    [3, 3],
    [1, 2],
    [2, 3],
  ] as [number, number][]
).flatMap((strides) => [
  caseFromShapes([2, 7, 8, 3], [3, 3, 3, 2], strides, explicitPad(2, 0, 0, 3)),
  caseFromShapes([2, 9, 6, 2], [2, 4, 2, 3], strides, explicitPad(0, 1, 1, 0)),
  caseFromShapes([1, 5, 5, 1], [1, 1, 1, 2], strides, explicitPad(3, 2, 2, 3)),
]);

/**
 * Numeric padding 1 and 2 at strides 1 to 3 for each rounding mode. tfjs sizes a numeric pad's
 * width with the height's stride and kernel, so only square kernels with equal strides are
 * consistent there.
 */
export function numericPaddingCases(
  roundingModes: readonly (RoundingMode | undefined)[],
  width = 9,
): ConvCase[] {
  return [1, 2, 3].flatMap((s) =>
    roundingModes.flatMap((mode) =>
      [1, 2].map((pad) => caseFromShapes([2, 8, width, 3], [3, 3, 3, 4], [s, s], pad, mode)),
    ),
  );
}

/** A rectangular kernel with 'same'/'valid' at strides that leave input rows unused. */
export function rectangularKernelCases(strides: [number, number][]): ConvCase[] {
  return (['same', 'valid'] as const).flatMap((pad) =>
    strides.map((s) => caseFromShapes([3, 10, 11, 2], [2, 5, 2, 3], s, pad)),
  );
}

/** The reference model's widest conv, at a small batch. */
export const referenceModelConvCase = caseFromShapes(
  [2, 16, 16, 32],
  [3, 3, 32, 64],
  [1, 1],
  'same',
);

/**
 * Runs `check` on each case in turn with seeds firstSeed + 3, + 6, …: a case draws up to three
 * arrays (seed, seed + 1, seed + 2), so no two cases share one.
 */
export async function checkEach(
  cases: readonly ConvCase[],
  firstSeed: number,
  check: (c: ConvCase, seed: number) => Promise<void>,
): Promise<void> {
  let seed = firstSeed;
  for (const c of cases) await check(c, (seed += 3));
}

/** Largest |actual - expected| / max(1, |expected|). */

export type Reference = 'cpu' | 'float64';

/**
 * Checks each error against TOLERANCE and keeps the worst and the number of comparisons per
 * reference, so a run prints how close the kernel came and how many cases it was held to.
 */
export class ErrorLog {
  private readonly worst = { cpu: 0, float64: 0 };
  private readonly compared = { cpu: 0, float64: 0 };
  private readonly kernelName: string;

  constructor(kernelName: string) {
    this.kernelName = kernelName;
  }

  record(against: Reference, error: number, what: unknown): void {
    this.worst[against] = Math.max(this.worst[against], error);
    this.compared[against]++;
    expect(error, JSON.stringify(what)).toBeLessThan(TOLERANCE);
  }

  summary(): string {
    return (
      `wasm ${this.kernelName}: largest relative error ${this.worst.cpu} against cpu ` +
      `(${this.compared.cpu} comparisons), ${this.worst.float64} against float64 ` +
      `(${this.compared.float64})`
    );
  }
}

export type BackpropKernel = 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';

/** The attribute that tells a backprop kernel the shape of the gradient it returns. */
export type ShapeAttr = { filterShape: Shape4 } | { inputShape: Shape4 };

/** Which operand of conv2d(x, filter) a backprop kernel differentiates. */
export type Operand = 'x' | 'filter';

/**
 * d/d(x or filter) of sum(conv2d(x, filter) * lossWeights) through tf.grad on `backend`; the
 * seeded loss weights keep dy from being all ones.
 */
export async function convLossGradient(
  backend: 'cpu' | 'wasm',
  wrt: Operand,
  c: ConvCase,
  seed: number,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(seededValues(product(xShape(c)), seed), xShape(c));
    const filter = tf.tensor4d(seededValues(product(filterShape(c)), seed + 1), filterShape(c));
    const outShape = outputShape(c);
    const weights = tf.tensor(seededValues(product(outShape), seed + 2), outShape);
    const loss = (x: tf.Tensor4D, filter: tf.Tensor4D) =>
      tf.conv2d(x, filter, c.strides, c.pad, 'NHWC', 1, c.dimRoundingMode).mul(weights).sum();
    const gradient =
      wrt === 'x'
        ? tf.grad((v) => loss(v as tf.Tensor4D, filter))(x)
        : tf.grad((v) => loss(x, v as tf.Tensor4D))(filter);
    return gradient.dataSync() as Float32Array;
  });
}

/** Holds the wasm gradient with respect to `wrt` to the cpu backend's. */
export async function expectWasmMatchesCpu(
  wrt: Operand,
  c: ConvCase,
  seed: number,
  log: ErrorLog,
): Promise<void> {
  // The wasm forward conv writes out of bounds when its output is empty, so never run one.
  if (product(outputShape(c)) === 0) return;
  const expected = await convLossGradient('cpu', wrt, c, seed);
  const actual = await convLossGradient('wasm', wrt, c, seed);
  log.record('cpu', maxRelativeError(actual, expected), c);
}

/** Where one multiply of the forward conv finds its operands' channels in x, dy and the filter. */
export interface ConvTap {
  xOffset: number;
  filterOffset: number;
  dyOffset: number;
}

/**
 * Visits, for a float64 reference, every tap of the forward conv that lands inside x: output
 * (b, y, x) reads x[b, y·sh + i − top, x·sw + j − left] through kernel cell (i, j). dy's own size
 * says how many windows there were, so a 'ceil' or 'round' conv's extra windows count too.
 */
export function forEachTap(c: ConvCase, visit: (tap: ConvTap) => void): void {
  const info = convInfo(c);
  const { top, left } = info.padInfo;
  const [, outHeight = 0, outWidth = 0] = info.outShape;
  const [kh, kw] = c.kernel;
  const [sh, sw] = c.strides;
  const { height: H, width: W, inChannels: ci, outChannels: co } = c;
  for (let b = 0; b < c.batch; b++)
    for (let y = 0; y < outHeight; y++)
      for (let x = 0; x < outWidth; x++)
        for (let i = 0; i < kh; i++) {
          const row = y * sh + i - top;
          if (row < 0 || row >= H) continue;
          for (let j = 0; j < kw; j++) {
            const col = x * sw + j - left;
            if (col < 0 || col >= W) continue;
            visit({
              xOffset: ((b * H + row) * W + col) * ci,
              filterOffset: (i * kw + j) * ci * co,
              dyOffset: ((b * outHeight + y) * outWidth + x) * co,
            });
          }
        }
}

/**
 * Runs a registered wasm backprop kernel directly, so dy can have the size a 'ceil' or 'round'
 * forward conv gives (tf.grad's Conv2D gradient drops dimRoundingMode).
 */
export async function runWasmBackprop(
  kernelName: BackpropKernel,
  c: ConvCase,
  inputs: () => tf.NamedTensorMap,
  shape: ShapeAttr,
): Promise<Float32Array> {
  await tf.setBackend('wasm');
  return tf.tidy(() => {
    const result = tf.engine().runKernel(kernelName, inputs(), {
      strides: c.strides,
      pad: c.pad,
      dataFormat: 'NHWC',
      dimRoundingMode: c.dimRoundingMode ?? null,
      ...shape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return result.dataSync() as Float32Array;
  });
}

/** The layer settings the training comparisons run: the plain path and a strided 'valid' one. */
export const trainingConfigs = [
  { strides: 1, padding: 'same' as const },
  { strides: 2, padding: 'valid' as const },
];

export type TrainingConfig = (typeof trainingConfigs)[number];

const squaredMean = (model: tf.Sequential, x: tf.Tensor) => () =>
  (model.apply(x) as tf.Tensor).square().mean() as tf.Scalar;

/**
 * Every trainable weight's gradient of mean(model(input)²) on `backend`, with seeded weights and
 * input so both backends see the same numbers. The model is built after the switch so its
 * variables live on that backend.
 */
export async function trainingGradients(
  backend: 'cpu' | 'wasm',
  makeModel: () => tf.Sequential,
  inputShape: Shape4,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = makeModel();
  try {
    tf.tidy(() =>
      model.setWeights(
        model.getWeights().map((w, i) => tf.tensor(seededValues(w.size, 12 + i), w.shape)),
      ),
    );
    return tf.tidy(() => {
      const x = tf.tensor4d(seededValues(product(inputShape), 11), inputShape);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(squaredMean(model, x), variables);
      return variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
    });
  } finally {
    model.dispose();
  }
}

/** Holds every one of `weightCount` weight gradients on wasm to the cpu backend's. */
export async function expectTrainingMatchesCpu(
  makeModel: () => tf.Sequential,
  inputShape: Shape4,
  weightCount: number,
  log: ErrorLog,
): Promise<void> {
  const expected = await trainingGradients('cpu', makeModel, inputShape);
  const actual = await trainingGradients('wasm', makeModel, inputShape);
  expect(actual).toHaveLength(weightCount);
  actual.forEach((a, i) => log.record('cpu', maxRelativeError(a, expected[i] ?? []), { i }));
}

function wasmHeapBytes(): number {
  const backend = tf.findBackend('wasm') as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.length;
}

/**
 * Trains a fresh model on wasm for 20 steps after one warm-up step (which lets the heap reach its
 * working size) and expects the tensor count and the wasm heap to stay put, so a kernel that
 * leaked tensors or wasm memory would show. Disposes the model and the batch.
 */
export async function expectTrainingLeaksNothing(
  makeModel: () => tf.Sequential,
  batchShape: Shape4,
): Promise<void> {
  await tf.setBackend('wasm');
  const model = makeModel();
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomUniform(batchShape);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(squaredMean(model, x), variables);
      value.dataSync();
      Object.values(grads).forEach((g) => g.dataSync());
    });
  step();
  const tensors = tf.memory().numTensors;
  const heap = wasmHeapBytes();
  for (let i = 0; i < 20; i++) step();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(wasmHeapBytes()).toBe(heap);
  model.dispose();
  x.dispose();
}

/** Registering twice must keep the first registration rather than throw. */
export function expectRegistrationIsIdempotent(
  kernelName: BackpropKernel,
  register: () => void,
): void {
  const first = tf.getKernel(kernelName, 'wasm');
  expect(first).toBeDefined();
  expect(register).not.toThrow();
  expect(tf.getKernel(kernelName, 'wasm')).toBe(first);
}

/** Both kernels compute NHWC only; asking for NCHW must fail with a sentence naming the format. */
export async function expectRefusesNchw(
  kernelName: BackpropKernel,
  inputShapes: Record<string, Shape4>,
  shape: ShapeAttr,
): Promise<void> {
  await tf.setBackend('wasm');
  const inputs: tf.NamedTensorMap = {};
  for (const [name, inputShape] of Object.entries(inputShapes)) inputs[name] = tf.zeros(inputShape);
  expect(() =>
    tf.engine().runKernel(kernelName, inputs, {
      strides: 1,
      pad: 'same',
      dataFormat: 'NCHW',
      ...shape,
    } as unknown as tf.NamedAttrMap),
  ).toThrow(/supports dataFormat 'NHWC' only, got 'NCHW'/);
  tf.dispose(Object.values(inputs));
}

/**
 * The Conv2D node allows square kernels up to 11 and strides up to 4 with 'same' or 'valid'
 * padding; the grid stops at kernel 5 and stride 3, so these cover the node's far end.
 */
export const nodeLimitCases: ConvCase[] = [7, 11].flatMap((k) =>
  [3, 4].flatMap((s) =>
    (['same', 'valid'] as const).map((pad): ConvCase => ({
      batch: 2,
      height: 16,
      width: 15,
      inChannels: 3,
      outChannels: 4,
      kernel: [k, k],
      strides: [s, s],
      pad,
    })),
  ),
);
