import { EventEmitter } from 'node:events';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostEvent } from '../../core/contract/host.ts';
import type { ParentMessage } from './process-protocol.ts';
import { createRunSupervisor, type TrainingChild } from './run-supervisor.ts';

class FakeChild extends EventEmitter implements TrainingChild {
  readonly pid = 4242;
  readonly sent: ParentMessage[] = [];
  readonly kills: NodeJS.Signals[] = [];
  send(message: ParentMessage, callback: (error: Error | null) => void): boolean {
    this.sent.push(message);
    queueMicrotask(() => callback(null));
    return true;
  }
  kill(signal: NodeJS.Signals): boolean {
    this.kills.push(signal);
    return true;
  }
  /** What a real process does: 'exit', then 'close' once the channel is drained. */
  exit(code: number | null, signal: NodeJS.Signals | null = null) {
    this.emit('exit', code, signal);
    this.emit('close', code, signal);
  }
}

const started = {
  type: 'started',
  backend: { name: 'wasm', description: 'WebAssembly', fallbacks: [] },
  dataset: { name: 'digits', sizes: { train: 48, validation: 6, test: 6 } },
  tasks: [],
  epochs: 1,
  batchSize: 16,
  batchesPerEpoch: 3,
  parameters: 100,
} as const;

function setup(
  options: {
    stopTimeoutMs?: number;
    exitGraceMs?: number;
    stallTimeoutMs?: number;
    runsDir?: string;
    spare?: boolean;
    whereStuck?: (pid: number) => Promise<string | undefined>;
  } = {},
) {
  const children: FakeChild[] = [];
  const logs: string[] = [];
  const supervisor = createRunSupervisor({
    runsDir: '/nonexistent/mts-runs',
    spawn: () => {
      const child = new FakeChild();
      children.push(child);
      return child;
    },
    log: (line) => logs.push(line),
    ...options,
  });
  const events: HostEvent[] = [];
  supervisor.onEvent((event) => events.push(event));
  const ended = (runId: string) =>
    events.filter((e) => e.type === 'run-ended' && e.runId === runId);
  const start = () => {
    const runId = supervisor.start({ graph: {}, settings: {} });
    const child = children.at(-1) as FakeChild;
    return { runId, child };
  };
  return { supervisor, events, ended, start, logs, children };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('createRunSupervisor', () => {
  it('starts a process per run and routes its events, ending the run once', async () => {
    const { supervisor, events, ended, start } = setup();
    const a = start();
    const b = start();
    expect(a.runId).toMatch(/^run-\d{8}-\d{6}-1$/);
    expect(b.runId).not.toBe(a.runId);
    expect(a.child.sent).toEqual([
      {
        type: 'start',
        runId: a.runId,
        request: { graph: {}, settings: {} },
        out: `/nonexistent/mts-runs/${a.runId}`,
      },
    ]);
    expect(supervisor.get(a.runId)).toMatchObject({ status: 'starting', pid: 4242 });

    a.child.emit('message', { type: 'run', runId: a.runId, event: started });
    b.child.emit('message', { type: 'run', runId: b.runId, event: started });
    expect(supervisor.get(a.runId)?.status).toBe('running');
    a.child.emit('message', { type: 'run-result', runId: a.runId, gallery: [] });
    a.child.emit('message', { type: 'run-ended', runId: a.runId, status: 'finished' });
    a.child.exit(0);
    await flush();

    expect(events.map((e) => `${e.runId} ${e.type}`)).toEqual([
      `${a.runId} run`,
      `${b.runId} run`,
      `${a.runId} run-result`,
      `${a.runId} run-ended`,
    ]);
    expect(ended(a.runId)).toEqual([{ type: 'run-ended', runId: a.runId, status: 'finished' }]);
    expect(supervisor.get(a.runId)).toEqual({
      runId: a.runId,
      out: `/nonexistent/mts-runs/${a.runId}`,
      status: 'finished',
    });
    expect(supervisor.list().map((r) => r.status)).toEqual(['finished', 'running']);
  });

  it('drops invalid messages and messages about another run', () => {
    const { events, start, logs } = setup();
    const { runId, child } = start();
    child.emit('message', { type: 'run', runId, event: { type: 'nonsense' } });
    child.emit('message', 'hello');
    child.emit('message', { type: 'run-ended', runId: 'run-other', status: 'finished' });
    expect(events).toEqual([]);
    expect(logs).toHaveLength(3);
  });

  it('asks a run to stop and reports the stop the process sends', async () => {
    const { supervisor, ended, start } = setup();
    const { runId, child } = start();
    supervisor.stop(runId);
    supervisor.stop(runId);
    expect(child.sent.slice(1)).toEqual([{ type: 'stop' }]);
    child.emit('message', { type: 'run-ended', runId, status: 'stopped' });
    child.exit(0);
    await flush();
    expect(ended(runId)).toEqual([{ type: 'run-ended', runId, status: 'stopped' }]);
    expect(child.kills).toEqual([]);
    supervisor.stop(runId);
    expect(child.sent).toHaveLength(2);
  });

  it('kills a run that does not stop in time, and reports it stopped once', () => {
    vi.useFakeTimers();
    const { supervisor, ended, start } = setup({ stopTimeoutMs: 5000 });
    const { runId, child } = start();
    supervisor.stop(runId);
    vi.advanceTimersByTime(4999);
    expect(child.kills).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(child.kills).toEqual(['SIGKILL']);
    child.exit(null, 'SIGKILL');
    child.exit(null, 'SIGKILL');
    expect(ended(runId)).toEqual([
      {
        type: 'run-ended',
        runId,
        status: 'stopped',
        message:
          'The run did not stop within 5 s, so its training process was ended; the model of its last finished epoch is kept.',
      },
    ]);
    vi.advanceTimersByTime(60_000);
    expect(child.kills).toEqual(['SIGKILL']);
  });

  it('reports a crash as a failed run with a sentence', () => {
    const { supervisor, ended, start } = setup();
    const { runId, child } = start();
    child.emit('message', { type: 'run', runId, event: started });
    child.exit(134);
    expect(ended(runId)).toEqual([
      {
        type: 'run-ended',
        runId,
        status: 'failed',
        message:
          'The training process stopped unexpectedly (exit code 134) before it finished an epoch, so there is no model to keep; the graph and earlier runs are untouched.',
      },
    ]);
    expect(supervisor.get(runId)).toMatchObject({ status: 'failed' });
    expect(supervisor.get(runId)?.pid).toBeUndefined();
  });

  it('says that a killed process kept the model of its last finished epoch', () => {
    const { ended, start } = setup();
    const { runId, child } = start();
    child.emit('message', { type: 'run', runId, event: started });
    const metrics = { loss: 1, samples: 6, tasks: {} };
    for (const epoch of [1, 2]) {
      child.emit('message', {
        type: 'run',
        runId,
        event: {
          type: 'epoch',
          epoch,
          epochs: 5,
          train: metrics,
          val: metrics,
          samplesPerSec: 10,
          seconds: 1,
          backend: 'wasm',
        },
      });
    }
    child.exit(null, 'SIGKILL');
    expect(ended(runId)[0]).toMatchObject({
      status: 'failed',
      message:
        'The training process stopped unexpectedly (signal SIGKILL); the model of epoch 2, the last it finished, is kept in the run folder.',
    });
  });

  it('names the signal that killed a process', () => {
    const { ended, start } = setup();
    const { runId, child } = start();
    child.exit(null, 'SIGSEGV');
    expect(ended(runId)[0]).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('(signal SIGSEGV)'),
    });
  });

  it('fails a run whose process exits without saying how it ended, after a grace period', () => {
    vi.useFakeTimers();
    const { ended, start } = setup({ exitGraceMs: 1000 });
    const { runId, child } = start();
    child.emit('exit', 0, null);
    vi.advanceTimersByTime(999);
    expect(ended(runId)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ended(runId)).toEqual([
      expect.objectContaining({
        status: 'failed',
        message: expect.stringContaining('exit code 0'),
      }),
    ]);
    child.emit('close', 0, null);
    child.emit('exit', 0, null);
    vi.advanceTimersByTime(5000);
    expect(ended(runId)).toHaveLength(1);
  });

  it('takes the last messages that arrive between exit and close', () => {
    vi.useFakeTimers();
    const { ended, start } = setup();
    const { runId, child } = start();
    child.emit('exit', 0, null);
    child.emit('message', { type: 'run-ended', runId, status: 'finished' });
    child.emit('close', 0, null);
    vi.advanceTimersByTime(5000);
    expect(ended(runId)).toEqual([{ type: 'run-ended', runId, status: 'finished' }]);
  });

  it('ignores a crash after the process has reported the end', () => {
    const { ended, start } = setup();
    const { runId, child } = start();
    child.emit('message', { type: 'run-ended', runId, status: 'failed', message: 'NaN.' });
    child.emit('message', { type: 'run-ended', runId, status: 'finished' });
    child.emit('message', { type: 'run-result', runId, gallery: [] });
    child.exit(1);
    expect(ended(runId)).toEqual([{ type: 'run-ended', runId, status: 'failed', message: 'NaN.' }]);
  });

  it('kills a process that lingers after its last word', () => {
    vi.useFakeTimers();
    const { ended, start } = setup({ stopTimeoutMs: 2000 });
    const { runId, child } = start();
    child.emit('message', { type: 'run-ended', runId, status: 'finished' });
    vi.advanceTimersByTime(2000);
    expect(child.kills).toEqual(['SIGKILL']);
    child.exit(null, 'SIGKILL');
    expect(ended(runId)).toEqual([{ type: 'run-ended', runId, status: 'finished' }]);
  });

  it('ends a run whose process emits an error, and kills it', () => {
    const { ended, start } = setup();
    const { runId, child } = start();
    child.emit('error', new Error('spawn node EAGAIN'));
    child.exit(null, 'SIGKILL');
    expect(child.kills).toEqual(['SIGKILL']);
    expect(ended(runId)).toEqual([
      expect.objectContaining({
        status: 'failed',
        message:
          'The training process stopped unexpectedly (spawn node EAGAIN) before it finished an epoch, so there is no model to keep; the graph and earlier runs are untouched.',
      }),
    ]);
  });

  it('refuses to stop a run it does not know, with a sentence', () => {
    const { supervisor } = setup();
    expect(() => supervisor.stop('run-nope')).toThrow("There is no run 'run-nope'.");
  });

  it('stops every run and waits until each has ended', async () => {
    const { supervisor, ended, start } = setup();
    const a = start();
    const b = start();
    b.child.emit('message', { type: 'run-ended', runId: b.runId, status: 'finished' });
    b.child.exit(0);
    let done = false;
    const all = supervisor.stopAll().then(() => (done = true));
    await flush();
    expect(a.child.sent.at(-1)).toEqual({ type: 'stop' });
    expect(b.child.sent).toHaveLength(1);
    expect(done).toBe(false);
    a.child.emit('message', { type: 'run-ended', runId: a.runId, status: 'stopped' });
    a.child.exit(0);
    await all;
    expect(ended(a.runId)).toHaveLength(1);
  });

  describe('a run that makes no progress', () => {
    const batch = (epoch: number, n: number) => ({
      type: 'batch',
      epoch,
      batch: n,
      batchesPerEpoch: 3,
      step: (epoch - 1) * 3 + n,
      loss: 1,
      tasks: {},
      samplesPerSec: 10,
      etaSeconds: 5,
    });
    const metrics = { loss: 1, samples: 6, tasks: {} };
    const epochDone = (epoch: number) => ({
      type: 'epoch',
      epoch,
      epochs: 5,
      train: metrics,
      val: metrics,
      samplesPerSec: 10,
      seconds: 1,
      backend: 'wasm',
    });

    it('is ended with a sentence once nothing has moved for the stall timeout', async () => {
      const runsDir = mkdtempSync(join(tmpdir(), 'mts-stall-'));
      vi.useFakeTimers();
      const { ended, start } = setup({ stallTimeoutMs: 60_000, runsDir });
      const { runId, child } = start();
      mkdirSync(join(runsDir, runId));
      writeFileSync(join(runsDir, runId, 'run.json'), JSON.stringify({ status: 'running' }));
      const report = (event: object) => child.emit('message', { type: 'run', runId, event });
      // Loading the data before 'started' is not watched.
      vi.advanceTimersByTime(120_000);
      report(started);
      for (const n of [1, 2, 3]) report(batch(1, n));
      report(epochDone(1));
      vi.advanceTimersByTime(59_999);
      report(batch(2, 1));
      vi.advanceTimersByTime(59_999);
      expect(ended(runId)).toEqual([]);
      expect(child.kills).toEqual([]);
      vi.advanceTimersByTime(1);
      const message = `Training made no progress for 1 minute in epoch 2 (after batch 1 of 3), so it was ended; the finished epoch 1 is kept in ${join(runsDir, runId)}.`;
      expect(ended(runId)).toEqual([{ type: 'run-ended', runId, status: 'failed', message }]);
      expect(child.kills).toEqual(['SIGKILL']);
      child.exit(null, 'SIGKILL');
      expect(ended(runId)).toHaveLength(1);
      vi.useRealTimers();
      await vi.waitFor(() =>
        expect(JSON.parse(readFileSync(join(runsDir, runId, 'run.json'), 'utf8'))).toEqual({
          status: 'failed',
          message,
        }),
      );
      rmSync(runsDir, { recursive: true, force: true });
    });

    it('says when it stalled before a batch or an epoch finished', () => {
      vi.useFakeTimers();
      const { ended, start } = setup({ stallTimeoutMs: 1500 });
      const first = start();
      first.child.emit('message', { type: 'run', runId: first.runId, event: started });
      const second = start();
      second.child.emit('message', { type: 'run', runId: second.runId, event: started });
      second.child.emit('message', { type: 'run', runId: second.runId, event: batch(1, 2) });
      vi.advanceTimersByTime(1500);
      expect(ended(first.runId)[0]).toHaveProperty(
        'message',
        `Training made no progress for 1.5 seconds before its first batch finished, so it was ended; the epochs it had finished before, if any, are kept in /nonexistent/mts-runs/${first.runId}.`,
      );
      expect(ended(second.runId)[0]).toHaveProperty(
        'message',
        'Training made no progress for 1.5 seconds in epoch 1 (after batch 2 of 3), so it was ended before it finished an epoch; there is no model to keep, and the graph and earlier runs are untouched.',
      );
    });

    it('says where its process was stuck, asked before it is ended', async () => {
      const asked: number[] = [];
      let answer = (_place: string | undefined) => {};
      const { ended, start } = setup({
        stallTimeoutMs: 1000,
        whereStuck: (pid) => {
          asked.push(pid);
          return new Promise((resolve) => (answer = resolve));
        },
      });
      const { runId, child } = start();
      child.emit('message', { type: 'run', runId, event: started });
      child.emit('message', { type: 'run', runId, event: batch(1, 2) });
      await vi.waitFor(() => expect(asked).toEqual([4242]), { timeout: 10_000 });
      // A batch that finishes while it is asked starts no second stall watch.
      child.emit('message', { type: 'run', runId, event: batch(1, 3) });
      expect(child.kills).toEqual([]);
      answer('It was stuck in $gemm (WebAssembly) ← matMul (gemm.ts).');
      await vi.waitFor(() => expect(ended(runId)).toHaveLength(1));
      expect(ended(runId)[0]).toHaveProperty(
        'message',
        'Training made no progress for 1 second in epoch 1 (after batch 2 of 3), so it was ended before it finished an epoch; there is no model to keep, and the graph and earlier runs are untouched. It was stuck in $gemm (WebAssembly) ← matMul (gemm.ts).',
      );
      expect(child.kills).toEqual(['SIGKILL']);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(asked).toEqual([4242]);
    });

    it('is not watched once training has ended (test evaluation, gallery)', () => {
      vi.useFakeTimers();
      const { ended, start } = setup({ stallTimeoutMs: 1000 });
      const { runId, child } = start();
      child.emit('message', { type: 'run', runId, event: started });
      child.emit('message', {
        type: 'run',
        runId,
        event: { type: 'finished', epochs: 1, seconds: 3 },
      });
      vi.advanceTimersByTime(10_000);
      expect(ended(runId)).toEqual([]);
      expect(child.kills).toEqual([]);
    });
  });

  it('keeps a spare process started ahead of the next run, and ends it with the rest', async () => {
    const { supervisor, children } = setup({ spare: true });
    const run = () => supervisor.start({ graph: {}, settings: {} });
    const sentTo = (child: FakeChild | undefined) => child?.sent.map((m) => m.type);
    // Started with the supervisor, before any Start; the first run is sent to it.
    expect(children).toHaveLength(1);
    const a = run();
    expect(children).toHaveLength(1);
    expect(sentTo(children[0])).toEqual(['start']);
    // None is made while a run trains (it would take the run's CPU): the next run forks its own.
    const b = run();
    expect(children).toHaveLength(2);
    // Once a run has ended, the next one is ready again.
    children[0]?.emit('message', { type: 'run-ended', runId: a, status: 'finished' });
    children[0]?.exit(0);
    await flush();
    expect(children).toHaveLength(3);
    expect(sentTo(children[2])).toEqual([]);
    // A spare that ends before it is used is forgotten; the next run forks anew.
    children[2]?.exit(1);
    children[1]?.emit('message', { type: 'run-ended', runId: b, status: 'finished' });
    children[1]?.exit(0);
    await flush();
    expect(children).toHaveLength(4);
    // Closing kills the idle spare.
    await supervisor.stopAll();
    expect(children[3]?.kills).toEqual(['SIGKILL']);
    expect(children).toHaveLength(4);
  });
});
