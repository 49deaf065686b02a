import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startThreadedWasm } from './wasm-threads.ts';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, 'fixtures/threaded-wasm-step.ts');

interface StepOutput {
  description: string;
  loss: number[];
  grads: number[][];
}

/** One gradient step in its own process; a process that did not end on its own times out. */
async function stepWith(threads: number): Promise<StepOutput> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', FIXTURE, String(threads)], {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as StepOutput;
}

const workerFolders = () =>
  readdirSync(tmpdir()).filter((name) => name.startsWith('multitask-studio-wasm-'));

describe('the threaded WebAssembly backend', () => {
  it('runs on the threads asked for, gives bit-identical gradients and leaves nothing behind', async () => {
    const before = workerFolders();
    const one = await stepWith(1);
    const two = await stepWith(2);
    expect(one.description).toMatch(/WebAssembly \(tfjs-backend-wasm, SIMD, 1 thread\)$/);
    expect(two.description).toMatch(/WebAssembly \(tfjs-backend-wasm, SIMD, 2 threads\)$/);
    // Each output element is summed in the same order whichever thread computes it.
    expect(two.loss).toEqual(one.loss);
    expect(two.grads).toEqual(one.grads);
    expect(one.grads.map((g) => g.length)).toEqual([3 * 3 * 8 * 32, 8 * 8 * 32 * 64]);
    expect(workerFolders()).toEqual(before);
  });

  it('refuses a thread count outside 1 to 8 with a sentence', async () => {
    await expect(startThreadedWasm(0)).rejects.toThrow(
      'the thread count must be a whole number from 1 to 8, not 0',
    );
    await expect(startThreadedWasm(9)).rejects.toThrow(/from 1 to 8, not 9/);
  });
});
