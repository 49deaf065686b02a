import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import {
  bestRows,
  deltaAgainst,
  differingColumns,
  metricColumns,
  metricText,
  runValues,
  type ComparedRun,
} from './runs-compare.ts';
import { graph, split } from './test-events.ts';

const run = (label: string, patch: Partial<ComparedRun['settings']>, loss: number): ComparedRun => ({
  label,
  graph,
  settings: { ...graph.training, ...patch },
  metrics: split(loss),
  metricsFrom: 'test',
});

describe('runs compared', () => {
  it('shows only the settings that differ, and the metrics side by side', () => {
    const runs = [run('a', {}, 1), run('b', { learningRate: 0.01, optimizer: 'sgd' }, 0.5)];
    expect(differingColumns(runs).map((c) => c.title)).toEqual(['optimizer', 'learning rate']);
    expect(metricColumns(runs).map((c) => c.title)).toEqual([
      'Δm% vs shown',
      'class loss',
      'class accuracy',
      'box loss',
      'box mean IoU',
    ]);
    expect(metricText(runs[1]?.metrics, 'class|loss')).toBe('0.2500');
    expect(metricText(undefined, 'class|loss')).toBe('–');
  });

  it('marks the better run per task, each metric in its own direction, and gives Δm% against the first', () => {
    const better = run('b', {}, 0.5);
    const worse = run('a', {}, 1);
    const runs = [
      worse,
      { ...better, metrics: { ...better.metrics!, tasks: { ...better.metrics!.tasks, class: { loss: 0.25, accuracy: 0.8 } } } },
    ];
    expect([...bestRows(runs, 'class|loss')]).toEqual([1]);
    expect([...bestRows(runs, 'class|accuracy')]).toEqual([0]);
    expect([...bestRows(runs, 'box|meanIoU')]).toEqual([0, 1]);
    // accuracy 0.9 → 0.8 (−11.1 %), mean IoU and IoU≥0.5 unchanged: (−11.1 + 0 + 0) / 3
    expect(deltaAgainst(runs[1]!.metrics, runs[0]!.metrics)).toBeCloseTo((-100 / 9) / 3, 6);
  });

  it('shows the weights a run trained with, the samples it drew and the dataset by its name', () => {
    const balanced: ComparedRun = {
      ...run('a', { dataset: '/home/someone/data/very/long/path/to/my-photos' }, 1),
      graph: {
        ...graph,
        nodes: [{ id: 'b', kind: 'BoxHead', params: { task: 'box', lossWeight: 1 }, position: { x: 0, y: 0 } }],
      },
      weights: { box: 3.0312 },
      samples: 30,
    };
    const values = runValues(balanced);
    expect(values.get('weight box')).toBe('3.03');
    expect(values.get('limit')).toBe('30');
    expect(values.get('dataset')).toBe('my-photos');
  });

  it('a loss weight that differs is a column', () => {
    const withBox = (lossWeight: number): GraphDocument => ({
      ...graph,
      nodes: [
        { id: 'b', kind: 'BoxHead', params: { task: 'box', lossWeight }, position: { x: 0, y: 0 } },
      ],
    });
    const runs = [
      { ...run('a', {}, 1), graph: withBox(1) },
      { ...run('b', {}, 1), graph: withBox(5) },
    ];
    expect(differingColumns(runs).map((c) => c.key)).toEqual(['weight box']);
  });
});
