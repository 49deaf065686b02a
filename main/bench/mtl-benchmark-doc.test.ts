import { describe, expect, it } from 'vitest';
import { sweepRows, type SweepFile } from '../../core/balancing/sweep.ts';
import { benchmarkMarkdown } from './mtl-benchmark-doc.ts';

const test = (left: number) => ({
  loss: 0,
  samples: 10,
  tasks: { left: { loss: 1 - left, accuracy: left } },
});

const file: SweepFile = {
  format: 'multitask-studio/sweep',
  graphName: 'MultiLeNet',
  dataset: 'multidigits',
  epochs: 8,
  sizes: { train: 8000, validation: 1000, test: 1000 },
  seeds: [42],
  backend: 'wasm',
  rows: sweepRows([
    { method: 'fixed', seed: 42, test: test(0.9), secondsPerEpoch: 3 },
    { method: 'pcgrad', seed: 42, test: test(0.92), secondsPerEpoch: 6 },
    { method: 'single-task', seed: 42, test: test(0.8), secondsPerEpoch: 2 },
  ]),
  pending: 0,
};

describe('docs/mtl-benchmark.md', () => {
  const doc = {
    command: 'npm run bench:mtl',
    hardware: 'a CPU, 2 cores',
    date: '2026-12-06 20:00 UTC',
    sections: [{ file, seconds: 125 }],
  };

  it('holds each sweep’s table with Δm% and time against fixed, the hardware and the time taken', () => {
    const text = benchmarkMarkdown(doc);
    expect(text).not.toMatch(/Smoke run/);
    expect(text).toContain('Hardware: a CPU, 2 cores.');
    expect(text).toContain('in 2 min 5 s');
    expect(text).toContain('## MultiLeNet on multidigits');
    expect(text).toContain('| pcgrad | 1 | 0.920 ± 0.000 | +15.00 | 2.00× |');
  });

  it('says at the top when a smaller configuration made it', () => {
    const text = benchmarkMarkdown({ ...doc, smoke: 'it ran with --epochs 1.' });
    expect(text.split('\n')[2]).toMatch(
      /^> \*\*Smoke run, not the benchmark's result:\*\* it ran with --epochs 1\./,
    );
  });
});
