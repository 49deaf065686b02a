import { describe, expect, it } from 'vitest';
import { checkBindings } from '../graph/binding.ts';
import type { HeadInfo } from '../graph/analyze.ts';
import { asNodeId, asTaskName } from '../ids.ts';
import { classIoUs, classTable, meanClassIoU } from './map-metrics.ts';
import { METRIC_SPECS, TASKS, targetAtImageSize, type MetricName } from './registry.ts';

/** A metric over samples given as flat rows, with the head's output shape per sample. */
function measure(metric: MetricName, shape: number[], truth: number[][], prediction: number[][]) {
  const acc = METRIC_SPECS[metric].create(prediction[0]!.length, shape);
  acc.reset();
  // One sample at a time: a metric over the split must not be a mean of per-sample values.
  truth.forEach((t, i) => acc.add(Float32Array.from(t), Float32Array.from(prediction[i]!), 1));
  return acc.finish();
}

describe('mask metrics over a split', () => {
  // Two 1×2 images, 3 classes; scores per pixel. Predicted classes: [0, 1] and [1, 1].
  const shape = [1, 2, 3];
  const truth = [
    [0, 1],
    [2, 255],
  ];
  const scores = [
    [0.8, 0.1, 0.1, 0.2, 0.7, 0.1],
    [0.1, 0.6, 0.3, 0.1, 0.8, 0.1],
  ];

  it('give mean IoU from the confusion matrix and leave ignored pixels out', () => {
    // Class 0: 1/1; class 1: hit 1, predicted twice (the 255 pixel not counted) → 1/2; class 2: 0/1.
    expect(measure('meanClassIoU', shape, truth, scores)).toBeCloseTo((1 + 0.5 + 0) / 3, 9);
    expect(measure('pixelAccuracy', shape, truth, scores)).toBeCloseTo(2 / 3, 9);
  });

  it('leave a class neither present nor predicted out of the mean', () => {
    const confusion = Float64Array.from([3, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(classIoUs(confusion, 3)).toEqual([1, Number.NaN, 1]);
  });

  it('give the per-class table the mean is made of', () => {
    // Rows are the truth, columns the prediction. Class 2 is neither in the truth nor predicted;
    // class 3 is predicted once but never true, so its IoU is 0 and it counts in the mean.
    // prettier-ignore
    const confusion = Float64Array.from([
      3, 1, 0, 0,
      0, 2, 0, 1,
      0, 0, 0, 0,
      0, 0, 0, 0,
    ]);
    const rows = classTable(confusion, 4);
    // Class 0: 3 / (4 true + 3 predicted − 3); class 1: 2 / (3 + 3 − 2).
    expect(rows).toEqual([
      { iou: 0.75, pixels: 4, share: 4 / 7 },
      { iou: 0.5, pixels: 3, share: 3 / 7 },
      { iou: null, pixels: 0, share: 0 },
      { iou: 0, pixels: 0, share: 0 },
    ]);
    const present = rows.flatMap((r) => (r.iou === null ? [] : [r.iou]));
    expect(meanClassIoU(confusion, 4)).toBeCloseTo((0.75 + 0.5 + 0) / 3, 12);
    expect(present.reduce((a, b) => a + b, 0) / present.length).toBe(meanClassIoU(confusion, 4));
  });

  it('hand the split accumulator the same table through the metric', () => {
    const acc = METRIC_SPECS.meanClassIoU.create(6, shape);
    truth.forEach((t, i) => acc.add(Float32Array.from(t), Float32Array.from(scores[i]!), 1));
    // The ignored pixel is in neither the pixels nor the share.
    expect(acc.perClass?.()).toEqual([
      { iou: 1, pixels: 1, share: 1 / 3 },
      { iou: 0.5, pixels: 1, share: 1 / 3 },
      { iou: 0, pixels: 1, share: 1 / 3 },
    ]);
    expect(METRIC_SPECS.depthAbsError.create(1, [1, 1, 1]).perClass).toBeUndefined();
  });
});

describe('depth and normals metrics over a split', () => {
  it('count only pixels with a depth', () => {
    const shape = [1, 3, 1];
    const truth = [[2, 0, 4]];
    const prediction = [[1, 9, 4.5]];
    expect(measure('depthAbsError', shape, truth, prediction)).toBeCloseTo(0.75, 9);
    expect(measure('depthRelError', shape, truth, prediction)).toBeCloseTo((0.5 + 0.125) / 2, 9);
    expect(measure('depthDelta1', shape, truth, prediction)).toBeCloseTo(0.5, 9);
  });

  it('measure angles in degrees over pixels with a normal, the median to 0.01°', () => {
    const shape = [1, 4, 3];
    // 0°, 90° (zero prediction), 45°, and a pixel without a normal.
    const truth = [[0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0]];
    const prediction = [[0, 0, 5, 0, 0, 0, 0, 1, 1, 1, 1, 1]];
    expect(measure('meanAngle', shape, truth, prediction)).toBeCloseTo(45, 6);
    expect(measure('medianAngle', shape, truth, prediction)).toBeCloseTo(45.005, 6);
    expect(measure('within11', shape, truth, prediction)).toBeCloseTo(1 / 3, 9);
    expect(measure('within30', shape, truth, prediction)).toBeCloseTo(1 / 3, 9);
  });
});

describe('binding a map head', () => {
  const head = (shape: number[], kind: 'mask' | 'depth'): HeadInfo => ({
    nodeId: asNodeId('seg'),
    kind: kind === 'mask' ? 'MaskHead' : 'DepthHead',
    label: `${kind === 'mask' ? 'Mask' : 'Depth'} head 'seg'`,
    task: asTaskName('seg'),
    target: kind,
    targetKind: kind,
    loss: kind === 'mask' ? 'pixelCrossentropy' : 'maskedL1',
    lossWeight: 1,
    units: shape.reduce((a, b) => a * b, 1),
    shape,
    truthUnits: (shape[0] ?? 1) * (shape[1] ?? 1),
    metrics: [],
    params: {},
  });
  const mask = {
    name: 'mask',
    kind: 'mask',
    classes: ['floor', 'wall', 'box'],
    height: 64,
    width: 64,
  } as const;

  it('names the resolution when the head does not see the full map', () => {
    const [problem] = checkBindings([head([32, 32, 3], 'mask')], [mask], 'scenes');
    expect(problem?.message).toBe(
      "Mask head 'seg' outputs 32×32 positions but the masks are 64×64; upsample the feature map it sees to 64×64 ('mask' in the scenes dataset).",
    );
  });

  it('names the class count, and accepts a head that fits', () => {
    const [problem] = checkBindings([head([64, 64, 5], 'mask')], [mask], 'scenes');
    expect(problem?.message).toBe(
      "Mask head 'seg' has 5 classes but the masks have 3 (floor, wall, box); set classes to 3 ('mask' in the scenes dataset).",
    );
    expect(checkBindings([head([64, 64, 3], 'mask')], [mask], 'scenes')).toEqual([]);
  });

  it('draws a built-in map target at the graph’s input size', () => {
    const depth = { name: 'depth', kind: 'depth', height: 64, width: 64 } as const;
    expect(targetAtImageSize(depth, 32, 48)).toEqual({ ...depth, height: 32, width: 48 });
    expect(
      checkBindings([head([32, 48, 1], 'depth')], [targetAtImageSize(depth, 32, 48)], 'scenes'),
    ).toEqual([]);
    expect(TASKS.depth.layout(targetAtImageSize(depth, 32, 48))).toEqual({
      form: 'dense',
      shape: [32, 48, 1],
    });
  });
});
