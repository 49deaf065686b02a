import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { durationText, stallTimeoutMs } from './stall-watch.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/stalling-training.ts');

/** The fixture in its own process; resolves with how it ended and what it printed. */
function training(dir: string, timeoutMs: number, mode: 'spin' | 'spin-wasm' | 'progress') {
  return new Promise<{ code: number | null; signal: string | null; out: string; err: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', FIXTURE, dir, String(timeoutMs), mode],
        { timeout: 110_000 },
        (error, out, err) =>
          resolve({
            code: error ? ((error as { code?: number }).code ?? null) : 0,
            signal: error ? ((error as { signal?: string }).signal ?? null) : null,
            out,
            err,
          }),
      );
    },
  );
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const runFile = () => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as object;

describe('the stall watchdog of a training in this process', () => {
  it('ends a training whose thread spins, with a sentence, and marks its run', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mts-watchdog-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'r', status: 'running' }));
    const ended = await training(dir, 1500, 'spin');
    const sentence = `Training made no progress for 1.5 seconds in epoch 2 (after batch 1 of 4), so it was ended; the finished epoch 1 is kept in ${dir}.`;
    // Top-level code of a module has no function name.
    const place = 'It was stuck in (anonymous) (stalling-training.ts)';
    expect(ended.signal).toBe('SIGKILL');
    expect(ended.err).toContain(`error: ${sentence} ${place}`);
    expect(runFile()).toEqual({
      id: 'r',
      status: 'failed',
      message: expect.stringMatching(new RegExp(`^${escaped(`${sentence} ${place}`)}`)),
    });
  }, 120_000);

  it('names the WebAssembly function the training thread is stuck in, and its callers', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mts-watchdog-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'r', status: 'running' }));
    const ended = await training(dir, 1500, 'spin-wasm');
    const { message } = runFile() as { message: string };
    expect(message).toMatch(
      /^Training made no progress for 1\.5 seconds in epoch 2 .* It was stuck in \$spinKernel \(WebAssembly\) ← spinInWebAssembly \(spin-kernel\.ts\) ← trainStep \(stalling-training\.ts\)/,
    );
    expect(ended.err).toContain(`error: ${message}\n`);
  }, 120_000);

  it('leaves a training alone while batches keep finishing, and after it ends', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mts-watchdog-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'r', status: 'running' }));
    const ended = await training(dir, 1500, 'progress');
    expect(ended).toMatchObject({ code: 0, signal: null, out: 'ended normally\n', err: '' });
    expect(runFile()).toEqual({ id: 'r', status: 'running' });
  }, 120_000);
});

describe('the stall timeout', () => {
  it('is 10 minutes unless the flag or MTS_STALL_MINUTES says otherwise', () => {
    expect(stallTimeoutMs(undefined, {})).toBe(600_000);
    expect(stallTimeoutMs(undefined, { MTS_STALL_MINUTES: '0.5' })).toBe(30_000);
    expect(stallTimeoutMs('30', { MTS_STALL_MINUTES: '0.5' })).toBe(1_800_000);
    expect(() => stallTimeoutMs('0', {})).toThrow(
      "--stall-minutes must be a number of minutes above 0 and at most 10080 (a week); got '0'.",
    );
    expect(() => stallTimeoutMs(undefined, { MTS_STALL_MINUTES: 'soon' })).toThrow(
      /^MTS_STALL_MINUTES must be .*; got 'soon'\.$/,
    );
    expect([600_000, 90_000, 1000, 1500].map(durationText)).toEqual([
      '10 minutes',
      '1.5 minutes',
      '1 second',
      '1.5 seconds',
    ]);
  });
});
