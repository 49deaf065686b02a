import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { differingColumns, metricColumns, metricText, type ComparedRun } from './runs-compare.ts';
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
      'loss',
      'class loss',
      'class accuracy',
      'box loss',
      'box mean IoU',
    ]);
    expect(metricText(runs[1]?.metrics, 'class|loss')).toBe('0.2500');
    expect(metricText(undefined, 'loss')).toBe('–');
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
