import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, 'test-support/heap-stress.ts');

interface StressReport {
  description: string;
  runs: { name: string; stalled: string; status: string; message?: string }[];
  problems: string[];
  guarded: number;
  splitCalls: number;
  loops: string[];
  slowWaits: number;
  seconds: number;
}

describe("the engine's kernels on helper threads", () => {
  it('train every template with stalled helpers and leave the heap intact', async () => {
    // Helpers stall for longer than the calling thread's patience (see the fixture). A corrupted
    // allocator that spins for ever in free ends the child at the timeout.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', FIXTURE], {
      timeout: 150_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const report = JSON.parse(stdout) as StressReport;
    expect(report.description).toMatch(/SIMD, 2 threads\)$/);
    expect(report.problems).toEqual([]);
    expect(report.runs.map((r) => `${r.name} (${r.stalled}): ${r.message ?? r.status}`)).toEqual([
      'digits-strong (none): finished',
      'digits-strong (column sums): finished',
      'digits-strong (any): finished',
      'digits-compact (any): finished',
      'keras-reference (any): finished',
      'shapes-three-tasks (any): finished',
    ]);
    // The guard saw the tensors, the stall path ran, and every kind of loop was split.
    expect(report.guarded).toBeGreaterThan(1000);
    expect(report.slowWaits).toBeGreaterThan(20);
    for (const loop of ['adam', 'relu grad', 'column sums']) {
      expect(report.loops).toContain(loop);
    }
    expect(report.loops.some((l) => l.startsWith('max-pool grad'))).toBe(true);
    expect(report.loops.some((l) => /^gemm (fma )?4$/.test(l))).toBe(true);
    expect(report.loops.some((l) => /^gemm (fma )?\d+$/.test(l) && !l.endsWith(' 4'))).toBe(true);
  }, 160_000);
});
