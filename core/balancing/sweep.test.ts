import { describe, expect, it } from 'vitest';
import { deltaM, sweepCells, sweepRows, type SweepRun } from './sweep.ts';

const test = (accuracy: number, mae: number) => ({
  loss: 1,
  samples: 10,
  tasks: { class: { loss: 1, accuracy }, colour: { loss: 1, mae } },
});

describe('sweep table', () => {
  it('Δm% is the mean signed relative change of every task metric against the tasks alone', () => {
    // accuracy 0.6 vs 0.5: +20 %; MAE 0.09 vs 0.1 (lower is better): +10 %; mean +15 %.
    const got = deltaM(
      { class: { accuracy: { mean: 0.6, std: 0 } }, colour: { mae: { mean: 0.09, std: 0 } } },
      { class: { accuracy: { mean: 0.5, std: 0 } }, colour: { mae: { mean: 0.1, std: 0 } } },
    );
    expect(got).toBeCloseTo(15, 10);
  });

  it('gives mean ± sample std over seeds, Δm% and time against fixed per method', () => {
    const runs: SweepRun[] = [
      { method: 'fixed', seed: 1, test: test(0.5, 0.1), secondsPerEpoch: 2 },
      { method: 'fixed', seed: 2, test: test(0.7, 0.1), secondsPerEpoch: 2 },
      { method: 'pcgrad', seed: 1, test: test(0.6, 0.09), secondsPerEpoch: 3 },
      { method: 'pcgrad', seed: 2, test: test(0.6, 0.09), secondsPerEpoch: 3 },
      { method: 'single-task', seed: 1, test: test(0.5, 0.1), secondsPerEpoch: 1 },
    ];
    const rows = sweepRows(runs);
    expect(rows.map((r) => r.method)).toEqual(['fixed', 'pcgrad', 'single-task']);
    const fixed = rows[0];
    expect(fixed?.seeds).toBe(2);
    expect(fixed?.tasks.class?.accuracy?.mean).toBeCloseTo(0.6, 10);
    expect(fixed?.tasks.class?.accuracy?.std).toBeCloseTo(Math.sqrt(0.02), 10);
    expect(fixed?.deltaM).toBeCloseTo(10, 10); // accuracy +20 %, MAE 0 %
    expect(rows[1]?.relativeTime).toBe(1.5);
    expect(rows[2]?.deltaM).toBeNull();
    const cells = sweepCells(rows);
    expect(cells[0]).toEqual([
      'method',
      'seeds',
      'class accuracy',
      'colour MAE',
      'Δm%',
      'time/epoch vs fixed',
    ]);
    expect(cells[2]).toEqual(['pcgrad', '2', '0.600 ± 0.000', '0.090 ± 0.000', '+15.00', '1.50×']);
  });
});
