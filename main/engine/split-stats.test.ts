import { describe, expect, it } from 'vitest';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import { asNodeId, asTaskName } from '../../core/ids.ts';
import { evaluationTable } from '../cli/format.ts';
import { SplitAccumulator } from './split-stats.ts';

/** A 1×3 mask head of three classes, as analyzeGraph describes it. */
const maskHead: HeadInfo = {
  nodeId: asNodeId('seg'),
  kind: 'MaskHead',
  label: "Mask head 'seg'",
  task: asTaskName('segmentation'),
  target: 'mask',
  targetKind: 'mask',
  loss: 'pixelCrossentropy',
  lossWeight: 1,
  units: 9,
  shape: [1, 3, 3],
  truthUnits: 3,
  metrics: ['meanClassIoU', 'pixelAccuracy'],
  params: {},
};

describe('the per-class IoU table of a split', () => {
  // One sample: loss sum, truth [floor, floor, wall], scores predicting [floor, wall, wall].
  const batch = Float32Array.from([0.5, 0, 0, 1, 0.9, 0.1, 0, 0.2, 0.8, 0, 0.1, 0.9, 0]);
  const targets = [
    { name: 'mask', kind: 'mask', height: 1, width: 3, classes: ['floor', 'wall', 'box'] },
  ] as const;

  it('names each class after the dataset and agrees with the mean IoU', () => {
    const acc = new SplitAccumulator([maskHead]);
    acc.add(batch, 1);
    const tables = acc.perClass(targets);
    expect(tables).toEqual({
      segmentation: [
        { name: 'floor', iou: 0.5, pixels: 2, share: 2 / 3 },
        { name: 'wall', iou: 0.5, pixels: 1, share: 1 / 3 },
        { name: 'box', iou: null, pixels: 0, share: 0 },
      ],
    });
    expect(acc.result().tasks.segmentation?.meanClassIoU).toBe(0.5);
  });

  it('prints it after the evaluation table, with – for a class the mean leaves out', () => {
    const acc = new SplitAccumulator([maskHead]);
    acc.add(batch, 1);
    const text = evaluationTable({ ...acc.result(), perClass: acc.perClass(targets) });
    expect(text.split('\n').slice(-5)).toEqual([
      'segmentation: IoU per class (– for a class neither in the truth nor predicted)',
      'class     IoU  pixels  share',
      'floor  0.5000       2  66.7%',
      'wall   0.5000       1  33.3%',
      'box         –       0   0.0%',
    ]);
  });
});
