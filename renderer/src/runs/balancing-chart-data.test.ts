import { describe, expect, it } from 'vitest';
import type { ChartRun } from './chart-data.ts';
import { cosineModel, gradNormModel, taskPairs, weightsModel } from './balancing-chart-data.ts';
import type { EpochEvent } from './run-reducer.ts';

const epoch = (n: number, extra: Partial<EpochEvent> = {}): EpochEvent => ({
  type: 'epoch',
  epoch: n,
  epochs: 2,
  train: { loss: 1, samples: 10, tasks: { a: { loss: 1 }, b: { loss: 2 } } },
  val: { loss: 1, samples: 2, tasks: { a: { loss: 1 }, b: { loss: 2 } } },
  samplesPerSec: 1,
  seconds: 1,
  backend: 'wasm',
  ...extra,
});

const run = (epochs: EpochEvent[], label = 'Run 1'): ChartRun => ({
  label,
  tasks: ['a', 'b'],
  batchSeries: {},
  epochs,
});

describe('balancing chart data', () => {
  it('draws each task’s weight per epoch', () => {
    const model = weightsModel([
      run([epoch(1, { weights: { a: 1, b: 0.5 } }), epoch(2, { weights: { a: 0.8, b: 0.7 } })]),
    ]);
    expect(model.lines.map((l) => l.name)).toEqual(['a', 'b']);
    expect(model.rows).toEqual([
      { epoch: 1, '0|a': 1, '0|b': 0.5 },
      { epoch: 2, '0|a': 0.8, '0|b': 0.7 },
    ]);
  });

  it('draws one cosine line per pair and the conflict share', () => {
    const diagnostics = {
      gradNorm: { a: 0.3, b: 0.1 },
      cosine: { 'a|b': -0.2 },
      conflictShare: 0.75,
      lossRatio: { a: 0.9, b: 0.5 },
    };
    const model = cosineModel([run([epoch(1, { diagnostics })])]);
    expect(model.lines.map((l) => l.name)).toEqual(['a · b', 'conflict share']);
    expect(model.rows).toEqual([{ epoch: 1, '0|cos|a|b': -0.2, '0|conflict': 0.75 }]);
    expect(gradNormModel([run([epoch(1, { diagnostics })])], false).rows[0]).toEqual({
      epoch: 1,
      '0|a': 0.3,
      '0|b': 0.1,
    });
  });

  it('has no rows for runs without balancing data, so the chart waits', () => {
    expect(weightsModel([run([epoch(1)])]).rows).toEqual([]);
  });

  it('lists pairs in task order', () => {
    expect(taskPairs(['a', 'b', 'c'])).toEqual(['a|b', 'a|c', 'b|c']);
  });
});
