import { describe, expect, it } from 'vitest';
import {
  deltaM,
  deltaMNote,
  sweepCells,
  sweepMarkdown,
  sweepRows,
  sweepSummary,
  type SweepRow,
  type SweepRun,
} from './sweep.ts';

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

  it('leaves out of Δm% a share metric whose single-task baseline is below 1 % of its scale', () => {
    const normals = (within11: number, meanAngle: number) => ({
      loss: 1,
      samples: 10,
      tasks: { normals: { loss: 1, within11, meanAngle } },
    });
    // within 11.25° 0.003 vs 0.001 would be +200 %; only the angle counts: 40° vs 50° is +20 %.
    const runs: SweepRun[] = [
      { method: 'fixed', seed: 1, test: normals(0.003, 40), secondsPerEpoch: 1 },
      { method: 'single-task', seed: 1, test: normals(0.001, 50), secondsPerEpoch: 1 },
    ];
    const rows = sweepRows(runs);
    expect(rows[0]?.deltaM).toBeCloseTo(20, 10);
    const note = deltaMNote(rows);
    expect(note).toBe(
      'Δm% leaves out normals within 11.25° (single-task 0.0010): a share metric whose single-task baseline is below 0.01 (1 % of its 0–1 scale), or any metric whose baseline is 0, would turn a tiny change into a huge relative one.',
    );
    const md = sweepMarkdown({
      format: 'multitask-studio/sweep',
      graphName: 'U-Net',
      dataset: 'scenes',
      epochs: 1,
      sizes: { train: 1, validation: 1, test: 1 },
      seeds: [1],
      backend: 'wasm',
      rows,
      pending: 0,
    });
    expect(md.trimEnd().endsWith(note ?? '?')).toBe(true);
    // At the floor it counts again: 0.02 vs 0.01 is +100 %, (100 + 20) / 2.
    expect(
      deltaM(
        { n: { within11: { mean: 0.02, std: 0 }, meanAngle: { mean: 40, std: 0 } } },
        { n: { within11: { mean: 0.01, std: 0 }, meanAngle: { mean: 50, std: 0 } } },
      ),
    ).toBeCloseTo(60, 10);
    expect(deltaMNote(sweepRows(runs.slice(0, 1)))).toBeUndefined();
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

  it('names a column by its metric alone where the metric already names the task', () => {
    const depth = (absError: number): SweepRun['test'] => ({
      loss: 1,
      samples: 10,
      tasks: { depth: { loss: 1, depthAbsError: absError } },
    });
    const rows = sweepRows([
      { method: 'fixed', seed: 1, test: depth(0.2), secondsPerEpoch: 2 },
      { method: 'single-task', seed: 1, test: depth(0.25), secondsPerEpoch: 1 },
    ]);
    expect(sweepCells(rows)[0]?.[2]).toBe('depth abs error');
  });

  it('says that the single-task row’s time adds up its tasks’ runs, only when there is one', () => {
    const file = (rows: SweepRow[]) =>
      sweepSummary({
        format: 'multitask-studio/sweep',
        graphName: 'g',
        dataset: 'd',
        epochs: 1,
        sizes: { train: 1, validation: 1, test: 1 },
        seeds: [1],
        backend: 'wasm',
        rows,
        pending: 0,
      });
    const fixed: SweepRun = { method: 'fixed', seed: 1, test: test(0.5, 0.1), secondsPerEpoch: 2 };
    const single: SweepRun = { ...fixed, method: 'single-task' };
    expect(file(sweepRows([fixed, single]))).toContain('the single-task row’s time adds up');
    expect(file(sweepRows([fixed]))).not.toContain('single-task');
  });
});
