import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startThreadedWasm } from './threads.ts';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, 'test-support/threaded-step.ts');

interface StepOutput {
  description: string;
  splitCalls: number;
  splitByLoop: Record<string, number>;
  copies: number[][];
  convs: number[][];
  loss: number[];
  grads: number[][];
  weights: number[][];
}

/**
 * One gradient step in its own process, with a temporary folder of its own (other processes on
 * the machine may be writing worker files at the same time); a process that did not end on its
 * own times out.
 */
async function stepWith(threads: number, temp: string, tiles = 'fma'): Promise<StepOutput> {
  const args = ['--import', 'tsx', FIXTURE, String(threads), tiles];
  const { stdout } = await run(process.execPath, args, {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TMPDIR: temp },
  });
  return JSON.parse(stdout) as StepOutput;
}

describe('the threaded WebAssembly backend', () => {
  it('runs on the threads asked for, gives bit-identical gradients and leaves nothing behind', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'mts-threads-test-'));
    const one = await stepWith(1, temp);
    const two = await stepWith(2, temp);
    expect(one.description).toMatch(/WebAssembly \(tfjs-backend-wasm, SIMD, 1 thread\)$/);
    expect(two.description).toMatch(/WebAssembly \(tfjs-backend-wasm, SIMD, 2 threads\)$/);
    // The engine's own loops ran on the helper threads too (filter gradient ×3, Sum, MaxPoolGrad,
    // the Dense product, Adam on the Dense kernel twice), and not at all on one thread.
    expect(one.splitCalls).toBe(0);
    expect(two.splitCalls).toBeGreaterThanOrEqual(8);
    // Each output element is summed in the same order whichever thread computes it.
    expect(two.loss).toEqual(one.loss);
    expect(two.grads).toEqual(one.grads);
    expect(two.weights).toEqual(one.weights);
    expect(one.grads.map((g) => g.length)).toEqual([3 * 3 * 8 * 32, 32, 8 * 8 * 32 * 64]);
    // The box copies (Concat, SplitV, Slice), FusedBatchNorm and its gradient (dx, dScale,
    // dOffset), and the channel Multiply and Sub split over both threads and gave the same bits.
    // The concatenation's two inputs and the split's larger part (a million values or more each).
    expect(two.splitByLoop['box copy']).toBe(3);
    expect(two.splitByLoop['batch norm']).toBe(1);
    expect(two.splitByLoop['batch norm grad sums']).toBe(1);
    expect(two.splitByLoop['batch norm grad dx']).toBe(1);
    expect(two.splitByLoop['broadcast mul']).toBe(1);
    expect(two.splitByLoop['broadcast sub left']).toBe(1);
    // The element-wise passes: ReLU forward (the conv's and the skip's), a scalar subtracted, a
    // division by a value per pixel, and the Neg and Abs feeding them (and the Neg that makes the
    // batch normalization gradient's dy).
    expect(two.splitByLoop['unary relu']).toBe(2);
    expect(two.splitByLoop['broadcast sub']).toBe(1);
    expect(two.splitByLoop['row broadcast div']).toBe(1);
    expect(two.splitByLoop['unary neg']).toBe(2);
    expect(two.splitByLoop['unary abs']).toBe(1);
    expect(one.splitByLoop).toEqual({});
    expect(two.copies).toEqual(one.copies);
    // Convolutions as the product: the strided forward one and its input gradient.
    expect(two.convs).toEqual(one.convs);
    expect(one.convs.map(([length]) => length)).toEqual([8 * 16 * 16 * 24, 8 * 32 * 32 * 32]);
    expect(one.copies.map(([length]) => length)).toEqual([
      4 * 64 * 64 * 128,
      4 * 64 * 64 * 24,
      4 * 64 * 64 * 104,
      4 * 28 * 30 * 60,
      4 * 64 * 64 * 128,
      4 * 64 * 64 * 128,
      4 * 64 * 64 * 128,
      4 * 64 * 64 * 128,
      128,
      128,
      4 * 64 * 64 * 64,
      4 * 64 * 64 * 64,
      4 * 64 * 64 * 64,
    ]);
    // The worker script's folder is gone once the workers have read it.
    expect(readdirSync(temp).filter((name) => name.startsWith('multitask-studio-wasm-'))).toEqual(
      [],
    );
    rmSync(temp, { recursive: true, force: true });
  });

  it('gives bit-identical gradients on 1 and 2 threads with the plain product tiles too', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'mts-threads-test-'));
    const one = await stepWith(1, temp, 'plain');
    const two = await stepWith(2, temp, 'plain');
    const fused = await stepWith(1, temp);
    rmSync(temp, { recursive: true, force: true });
    expect(two.grads).toEqual(one.grads);
    expect(two.weights).toEqual(one.weights);
    // The fused tiles ran in the other test's processes: their products round differently.
    expect(fused.grads).not.toEqual(one.grads);
  });

  it('refuses a thread count outside 1 to 8 with a sentence', async () => {
    await expect(startThreadedWasm(0)).rejects.toThrow(
      'the thread count must be a whole number from 1 to 8, not 0',
    );
    await expect(startThreadedWasm(9)).rejects.toThrow(/from 1 to 8, not 9/);
  });
});
