import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SWEEP_FILE,
  sweepRows,
  type SweepFile,
  type SweepRun,
} from '../../core/balancing/sweep.ts';
import type { SplitMetrics } from '../../core/contract/training.ts';
import { writeRunFolder } from '../runs/test-run-folders.ts';
import { benchMtlCommand } from './mtl-benchmark-command.ts';
import { benchmarkMarkdown } from './mtl-benchmark-doc.ts';
import { finishedSweep, PRESETS, RECORD_FILE, shortOfPreset } from './mtl-benchmark-plan.ts';
import { readSweepSection } from './mtl-benchmark-runs.ts';

const split = (tasks: Record<string, number>): SplitMetrics => ({
  loss: 1,
  samples: 10,
  tasks: Object.fromEntries(
    Object.entries(tasks).map(([t, accuracy]) => [t, { loss: 1, accuracy }]),
  ),
});

// Left accuracy per seed; right is 0.5 everywhere. fixed 0.80 ± 0.02, so 2 SE of a gap is 0.033.
const LEFT = {
  fixed: [0.8, 0.82, 0.78],
  uncertainty: [0.7, 0.72, 0.68],
  dwa: [0.81, 0.83, 0.79],
  pcgrad: [0.9, 0.92, 0.88],
} as const;
const SINGLE_LEFT = [0.85, 0.87, 0.83];
// Validation accuracy per epoch of the tasks alone: left gains 0.01 after 0.2 first, right 0.05 after 0.1.
const VAL = { left: [0.5, 0.7, 0.75, 0.76], right: [0.3, 0.4, 0.45, 0.5] } as const;

/** A sweep folder as runSweep leaves it: sweep.json and a run folder per method, task and seed. */
async function writeSection(dir: string, seeds = 3): Promise<void> {
  const runs: SweepRun[] = [];
  let minute = 0;
  const at = () => `2026-12-06T20:${String(minute++).padStart(2, '0')}:00.000Z`;
  for (let s = 0; s < seeds; s++) {
    for (const [method, left] of Object.entries(LEFT)) {
      const test = split({ left: left[s] ?? 0, right: 0.5 });
      await writeRunFolder(dir, `${method}-seed${s + 1}`, { createdAt: at(), epochs: 4, test });
      runs.push({ method: method as SweepRun['method'], seed: s + 1, test, secondsPerEpoch: 1.5 });
    }
    for (const task of ['left', 'right'] as const) {
      await writeRunFolder(dir, `single-${task}-seed${s + 1}`, {
        createdAt: at(),
        epochs: 4,
        test: split({ [task]: task === 'left' ? (SINGLE_LEFT[s] ?? 0) : 0.5 }),
        val: (epoch) => split({ [task]: VAL[task][epoch - 1] ?? 0 }),
      });
    }
  }
  const file: SweepFile = {
    format: 'multitask-studio/sweep',
    graphName: 'MultiLeNet on MultiDigits: left and right digit',
    dataset: 'multidigits',
    epochs: 4,
    sizes: { train: 40, validation: 10, test: 10 },
    seeds: Array.from({ length: seeds }, (_, i) => i + 1),
    backend: 'wasm',
    // Written without the single-task rows and without Δm%: the document computes them again.
    rows: sweepRows(runs),
    pending: 0,
  };
  await writeFile(join(dir, SWEEP_FILE), JSON.stringify(file));
}

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mtl-benchmark-'));
  await writeSection(join(root, 'runs', '1'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('docs/mtl-benchmark.md', () => {
  it('says, from the run folders, which methods beat fixed and the tasks alone beyond the seed spread', async () => {
    const sweep = await readSweepSection(join(root, 'runs', '1'));
    expect(sweep.file.rows.map((r) => r.method)).toEqual([
      'fixed',
      'uncertainty',
      'dwa',
      'pcgrad',
      'single-task',
    ]);
    // 4 methods and 2 tasks alone, 3 seeds, 4 epochs of 1.5 s.
    expect(sweep.runSeconds).toBeCloseTo(18 * 6, 10);
    const text = benchmarkMarkdown({
      command: 'npm run bench:mtl',
      rendered: { command: 'npm run bench:mtl -- --render', date: '2026-12-07 09:00 UTC' },
      hardware: 'a CPU, 2 cores',
      sections: [{ sweep }],
    });
    expect(text).toContain(
      "Re-rendered by `npm run bench:mtl -- --render` on 2026-12-07 09:00 UTC from the runs made by `npm run bench:mtl` on 2026-12-06 20:00 – 20:17 UTC (the runs' own dates), its runs' epochs adding up to 1 min 48 s",
    );
    expect(text).toContain(
      "The sweep's wall-clock time was not recorded; its runs' epochs add up to 1 min 48 s",
    );
    expect(text).toContain('| pcgrad | 3 | 0.900 ± 0.020 | 0.500 ± 0.000 | +2.94 | 1.00× |');
    expect(text).toContain('| pcgrad | +0.100 ± 0.033 ▲ | +0.000 ± 0.000 | +5.88 ± 1.92 ▲ |');
    expect(text).toContain(
      'Against `fixed`, beyond the seed spread: uncertainty lost on left accuracy and Δm%; pcgrad beat it on left accuracy and Δm%; dwa ties with it on every measure.',
    );
    expect(text).toContain(
      'Against the tasks trained alone, beyond the seed spread: fixed lost on left accuracy and Δm%; uncertainty lost on left accuracy and Δm%; dwa lost on left accuracy and Δm%; pcgrad beat it on left accuracy and Δm%.',
    );
    expect(text).toContain(
      '| left accuracy | 0.700 | 0.750 | 0.760 | +0.2000 | +0.0100 | near plateau |',
    );
    expect(text).toContain(
      'Single-task baselines: left accuracy is near its plateau: its last epoch gained +0.0100 (5 % of the first); right accuracy is still learning: its last epoch gained +0.0500 (50 % of the first).',
    );
  });

  it('says at the top when a smaller configuration made it, and gives the measured time when there is one', async () => {
    const sweep = await readSweepSection(join(root, 'runs', '1'));
    const text = benchmarkMarkdown({
      command: 'npm run bench:mtl',
      smoke: 'it ran with --epochs 1.',
      hardware: 'a CPU, 2 cores',
      sections: [{ sweep, seconds: 125 }],
    });
    expect(text.split('\n')[2]).toMatch(
      /^> \*\*Smoke run, not the benchmark's result:\*\* it ran with --epochs 1\./,
    );
    expect(text).toContain(
      'Made by `npm run bench:mtl` on 2026-12-06 20:00 – 20:17 UTC, in 2 min 5 s.',
    );
    expect(text).toContain('The sweep took 2 min 5 s.');
  });

  it('`--render` rebuilds the document from the folders, with the recorded times when the benchmark kept them', async () => {
    const out = join(root, 'doc.md');
    const said: string[] = [];
    const ctx = {
      out: (t: string) => said.push(t),
      err: (t: string) => said.push(t),
      isTTY: false,
      columns: 80,
      signal: new AbortController().signal,
    };
    const render = () =>
      benchMtlCommand(['--runs', join(root, 'runs'), '--render', '--out', out], ctx);
    await render();
    let text = await readFile(out, 'utf8');
    expect(text).toMatch(
      /^Re-rendered by `npm run bench:mtl -- --runs .* --render --out .*` on \d{4}-\d\d-\d\d \d\d:\d\d UTC from the runs made by `npm run bench:mtl` on 2026-12-06 20:00 – 20:17 UTC/m,
    );
    expect(text).toContain(
      '(of the machine that wrote this document; the runs did not record theirs)',
    );
    expect(text).toContain('section 1: 4 epochs, not 5');
    await writeFile(
      join(root, 'runs', RECORD_FILE),
      JSON.stringify({
        format: 'multitask-studio/bench-mtl',
        command: 'npm run bench:mtl -- --epochs 4',
        hardware: 'the benchmark machine',
        seconds: { 1: 300 },
      }),
    );
    await render();
    text = await readFile(out, 'utf8');
    expect(text).toContain(
      "from the runs made by `npm run bench:mtl -- --epochs 4` on 2026-12-06 20:00 – 20:17 UTC (the runs' own dates), in 5 min 0 s.",
    );
    expect(text).toContain('Hardware: the benchmark machine.');
    expect(text).toContain('The sweep took 5 min 0 s.');
  });
});

describe('bench:mtl sections', () => {
  const preset = PRESETS[0];
  const want = { graphName: 'MultiLeNet', epochs: 5, limit: undefined, seeds: 3 };
  const file = (over: Partial<SweepFile>): SweepFile => ({
    format: 'multitask-studio/sweep',
    graphName: 'MultiLeNet',
    dataset: 'multidigits',
    epochs: 5,
    sizes: { train: 1, validation: 1, test: 1 },
    seeds: [42, 43, 44],
    backend: 'wasm',
    rows: [],
    pending: 0,
    ...over,
  });

  it('keeps a section whose folder holds its finished sweep, and runs one that has none', () => {
    expect(finishedSweep('/r/1', file({}), want)).toBe(true);
    expect(finishedSweep('/r/1', undefined, want)).toBe(false);
  });

  it('refuses an unfinished or different sweep in the section’s folder instead of writing over it', () => {
    expect(() => finishedSweep('/r/1', file({ pending: 4 }), want)).toThrow(
      "/r/1 holds this section's sweep unfinished (4 runs to do); move it away to run the section again.",
    );
    expect(() => finishedSweep('/r/1', file({ epochs: 2 }), want)).toThrow(
      "/r/1 holds a sweep of 'MultiLeNet' (2 epochs, 3 seeds), not this section's; move it away or choose another --runs folder.",
    );
  });

  it('tells a sweep smaller than its preset', () => {
    expect(shortOfPreset(file({}), preset)).toEqual([]);
    expect(shortOfPreset(file({ epochs: 1, limit: 200, seeds: [42] }), preset)).toEqual([
      '1 epochs, not 5',
      '--limit 200, not all samples',
      '1 seeds, not 3',
    ]);
  });
});
