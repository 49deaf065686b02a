import { describe, expect, it } from 'vitest';
import {
  compareMethods,
  comparisonCells,
  plateauCells,
  plateauOf,
  plateauSentence,
  verdictSentence,
} from './sweep-spread.ts';
import type { SweepRun } from './sweep.ts';

const run = (method: SweepRun['method'], seed: number, left: number): SweepRun => ({
  method,
  seed,
  test: { loss: 1, samples: 10, tasks: { left: { loss: 1, accuracy: left } } },
  secondsPerEpoch: 1,
});
const seeds = (method: SweepRun['method'], values: readonly number[]) =>
  values.map((v, i) => run(method, i + 1, v));

describe('seed spread', () => {
  // fixed 0.80 ± 0.02 over 3 seeds; the standard error of a gap between two such is
  // √(0.02²/3 + 0.02²/3) = 0.01633, so 2 SE = 0.0327.
  const runs = [
    ...seeds('fixed', [0.8, 0.82, 0.78]),
    ...seeds('pcgrad', [0.84, 0.86, 0.82]), // +0.04: beyond
    ...seeds('dwa', [0.83, 0.85, 0.81]), // +0.03: within
    ...seeds('single-task', [0.7, 0.72, 0.68]),
  ];

  it('counts a gap as beyond the spread only past 2 standard errors of the difference', () => {
    const got = compareMethods(runs, 'fixed');
    expect(got.map((c) => c.method)).toEqual(['pcgrad', 'dwa']);
    const left = got.map((c) => c.differences[0]);
    expect(left[0]?.gap).toBeCloseTo(0.04, 10);
    expect(left[0]?.se).toBeCloseTo(Math.sqrt((2 * 0.02 ** 2) / 3), 10);
    expect(left.map((d) => d?.verdict)).toEqual(['better', 'tie']);
    // Δm% seed by seed against the single-task mean 0.70: pcgrad +20.0 ± 2.86, fixed +14.3 ± 2.86.
    const dm = got[0]?.differences[1];
    expect(dm?.measure).toBe('Δm%');
    expect(dm?.gap).toBeCloseTo((100 * 0.04) / 0.7, 8);
    expect(dm?.verdict).toBe('better');
    expect(verdictSentence(got, 'fixed')).toBe(
      'Against `fixed`, beyond the seed spread: pcgrad beat it on left accuracy and Δm%; dwa ties with it on every measure.',
    );
    expect(comparisonCells(got)[1]).toEqual(['pcgrad', '+0.040 ± 0.033 ▲', '+5.71 ± 4.67 ▲']);
  });

  it('compares against the tasks alone with their own seeds’ spread, and lowers a loss', () => {
    const got = compareMethods(runs, 'single-task');
    expect(got.map((c) => c.method)).toEqual(['fixed', 'pcgrad', 'dwa']);
    expect(verdictSentence(got, 'single-task')).toBe(
      'Against the tasks trained alone, beyond the seed spread: fixed beat it on left accuracy and Δm%; pcgrad beat it on left accuracy and Δm%; dwa beat it on left accuracy and Δm%.',
    );
    const worse = compareMethods(
      [...seeds('fixed', [0.6, 0.62, 0.58]), ...seeds('single-task', [0.7, 0.72, 0.68])],
      'single-task',
    );
    expect(verdictSentence(worse, 'single-task')).toBe(
      'Against the tasks trained alone, beyond the seed spread: fixed lost on left accuracy and Δm%.',
    );
  });

  it('gives no verdict with one seed, and says when every method ties', () => {
    const one = compareMethods([run('fixed', 1, 0.8), run('pcgrad', 1, 0.9)], 'fixed');
    expect(one[0]?.differences[0]?.verdict).toBe('unknown');
    expect(verdictSentence(one, 'fixed')).toBe(
      'Against `fixed`: with fewer than 2 seeds there is no seed spread, so no difference can be told from chance.',
    );
    const ties = compareMethods(
      [...seeds('fixed', [0.8, 0.82, 0.78]), ...seeds('rlw', [0.8, 0.83, 0.78])],
      'fixed',
    );
    expect(verdictSentence(ties, 'fixed')).toBe(
      'Against `fixed`, no method differs beyond the seed spread: rlw ties with it on every measure.',
    );
    expect(verdictSentence([], 'single-task')).toMatch(/it was not run/);
  });
});

describe('plateau', () => {
  it('is near when the last epoch gained at most a fifth of the first, for either direction', () => {
    const left = plateauOf({
      task: 'left',
      key: 'accuracy',
      seeds: [
        [0.5, 0.7, 0.75, 0.76],
        [0.52, 0.72, 0.77, 0.78],
      ],
    });
    expect(left.means.map((m) => Number(m.toFixed(4)))).toEqual([0.51, 0.71, 0.76, 0.77]);
    expect(left.firstGain).toBeCloseTo(0.2, 10);
    expect(left.lastGain).toBeCloseTo(0.01, 10);
    expect(left.verdict).toBe('near plateau');
    // An angle error falls as it learns: 40 → 30 is a gain of 10, 22 → 18 of 4 (40 %).
    const angle = plateauOf({ task: 'normals', key: 'meanAngle', seeds: [[40, 30, 22, 18]] });
    expect(angle.lastGain).toBeCloseTo(4, 10);
    expect(angle.verdict).toBe('still learning');
    expect(plateauSentence([left, angle])).toBe(
      'Single-task baselines: left accuracy is near its plateau: its last epoch gained +0.0100 (5 % of the first); normals mean angle error is still learning: its last epoch gained +4.0000 (40 % of the first).',
    );
    expect(plateauCells([left])).toEqual([
      ['task (validation)', 'epoch 2', 'epoch 3', 'epoch 4', 'first gain', 'last gain', 'verdict'],
      ['left accuracy', '0.710', '0.760', '0.770', '+0.2000', '+0.0100', 'near plateau'],
    ]);
  });

  it('does not call a task that never learned near its plateau', () => {
    // Chance accuracy throughout: every gain is ≤ 0, which the share rule alone would call a plateau.
    const flat = plateauOf({ task: 'shape', key: 'accuracy', seeds: [[0.2, 0.19, 0.22, 0.19]] });
    expect(flat.verdict).toBe('not learning');
    expect(plateauSentence([flat])).toBe(
      'Single-task baselines: shape accuracy has not learned: its last epoch (0.190) is no better than its first (0.200).',
    );
  });

  it('cannot judge fewer than 3 epochs', () => {
    const p = plateauOf({ task: 'left', key: 'accuracy', seeds: [[0.5, 0.7]] });
    expect(p.verdict).toBeUndefined();
    expect(plateauSentence([p])).toBe(
      'Single-task baselines: left accuracy cannot be judged (fewer than 3 epochs).',
    );
  });
});
