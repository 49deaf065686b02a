import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostEvent } from '../../core/contract/host.ts';
import { createDesktopRuns, type DesktopRunsOptions } from './desktop-runs.ts';
import { fakeFork, fakePort, type FakeUtility } from './fake-utility.ts';

const RUNS = '/nonexistent/mts-user-data/runs';

const started = {
  type: 'started',
  backend: {
    name: 'wasm',
    description: 'WebAssembly',
    fallbacks: [{ backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed.' }],
  },
  dataset: { name: 'digits', sizes: { train: 48, validation: 6, test: 6 } },
  tasks: [],
  epochs: 1,
  batchSize: 16,
  batchesPerEpoch: 3,
  parameters: 100,
} as const;

function setup(options: Partial<DesktopRunsOptions> = {}) {
  const { fork, processes } = fakeFork();
  const sent: HostEvent[] = [];
  const logs: string[] = [];
  const runs = createDesktopRuns({
    runsDir: RUNS,
    fork,
    entry: '/app/training-process.js',
    send: (event) => sent.push(event),
    log: (line) => logs.push(line),
    stopTimeoutMs: 5000,
    exitGraceMs: 1000,
    child: { killPid: () => undefined },
    ...options,
  });
  const start = () => {
    const { runId } = runs.start({ graph: { name: 'g' }, settings: { epochs: 1 } });
    return { runId, utility: processes.at(-1) as FakeUtility };
  };
  const ended = (runId: string) => sent.filter((e) => e.type === 'run-ended' && e.runId === runId);
  return { runs, processes, sent, logs, start, ended };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createDesktopRuns', () => {
  it('starts each run in a fresh utility process and sends it the start message', () => {
    const { processes, start } = setup();
    const { runId, utility } = start();
    expect(runId).toMatch(/^run-\d{8}-\d{6}-1$/);
    expect(processes).toHaveLength(1);
    expect(utility.modulePath).toBe('/app/training-process.js');
    expect(utility.options.serviceName).toBe('Multitask Studio training');
    expect(utility.messages).toEqual([
      {
        type: 'start',
        runId,
        request: { graph: { name: 'g' }, settings: { epochs: 1 } },
        out: `${RUNS}/${runId}`,
      },
    ]);
  });

  it('routes progress to the window, and the end once', () => {
    vi.useFakeTimers();
    const { runs, sent, start } = setup();
    const { runId, utility } = start();
    const seen: HostEvent[] = [];
    runs.onEvent((event) => seen.push(event));
    utility.say({ type: 'run', runId, event: started });
    utility.say({ type: 'run', runId, event: { type: 'nonsense' } });
    utility.say({ type: 'run-result', runId, gallery: [] });
    utility.say({ type: 'run-ended', runId, status: 'finished' });
    utility.exit(0);
    vi.advanceTimersByTime(60_000);
    expect(sent).toEqual([
      { type: 'run', runId, event: started },
      { type: 'run-result', runId, gallery: [] },
      { type: 'run-ended', runId, status: 'finished' },
    ]);
    expect(seen).toEqual(sent);
    expect(runs.list()).toEqual([{ runId, out: `${RUNS}/${runId}`, status: 'finished' }]);
  });

  it('asks a run to stop, and kills its process when it does not stop in time', () => {
    vi.useFakeTimers();
    const { runs, start, ended } = setup();
    const { runId, utility } = start();
    utility.say({ type: 'run', runId, event: started });
    runs.stop(runId);
    expect(utility.messages.at(-1)).toEqual({ type: 'stop' });
    vi.advanceTimersByTime(4999);
    expect(utility.kills).toBe(0);
    vi.advanceTimersByTime(1);
    expect(utility.kills).toBe(1);
    utility.exit(15);
    vi.advanceTimersByTime(1000);
    utility.exit(15);
    vi.advanceTimersByTime(10_000);
    expect(ended(runId)).toEqual([
      {
        type: 'run-ended',
        runId,
        status: 'stopped',
        message:
          'The run did not stop within 5 s, so its training process was ended; the model of its last finished epoch is kept.',
      },
    ]);
  });

  it('reports a crash as one failed run with a sentence, and the next run gets a new process', () => {
    vi.useFakeTimers();
    const { processes, sent, start, ended } = setup();
    const first = start();
    first.utility.say({ type: 'run', runId: first.runId, event: started });
    first.utility.exit(134);
    vi.advanceTimersByTime(999);
    expect(ended(first.runId)).toEqual([]);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(10_000);
    expect(ended(first.runId)).toEqual([
      {
        type: 'run-ended',
        runId: first.runId,
        status: 'failed',
        message:
          'The training process stopped unexpectedly (exit code 134) before it finished an epoch, so there is no model to keep; the graph and earlier runs are untouched.',
      },
    ]);

    const second = start();
    expect(processes).toHaveLength(2);
    expect(second.utility).not.toBe(first.utility);
    expect(second.runId).not.toBe(first.runId);
    second.utility.say({ type: 'run', runId: second.runId, event: started });
    expect(sent.at(-1)).toEqual({ type: 'run', runId: second.runId, event: started });
  });

  it('says nothing more after a clean exit that follows the end', () => {
    vi.useFakeTimers();
    const { sent, start } = setup();
    const { runId, utility } = start();
    utility.say({ type: 'run-ended', runId, status: 'stopped' });
    utility.exit(0);
    utility.say({ type: 'run-ended', runId, status: 'finished' });
    vi.advanceTimersByTime(60_000);
    expect(sent).toEqual([{ type: 'run-ended', runId, status: 'stopped' }]);
    expect(utility.kills).toBe(0);
  });

  it('fails a run whose process has a fatal error, naming it, once', () => {
    vi.useFakeTimers();
    const { start, ended } = setup();
    const { runId, utility } = start();
    utility.emit('error', 'FatalError', 'Reached heap limit', '{}');
    expect(utility.kills).toBe(1);
    utility.exit(133);
    vi.advanceTimersByTime(60_000);
    expect(ended(runId)).toEqual([
      {
        type: 'run-ended',
        runId,
        status: 'failed',
        message:
          'The training process stopped unexpectedly (FatalError in the training process: Reached heap limit) before it finished an epoch, so there is no model to keep; the graph and earlier runs are untouched.',
      },
    ]);
  });

  it('stops every run on quit and resolves once all have ended', async () => {
    const { runs, start, ended } = setup();
    const a = start();
    const b = start();
    const quit = runs.stopAll();
    expect(a.utility.messages.at(-1)).toEqual({ type: 'stop' });
    expect(b.utility.messages.at(-1)).toEqual({ type: 'stop' });
    for (const { runId, utility } of [a, b]) {
      utility.say({ type: 'run-ended', runId, status: 'stopped' });
      utility.exit(0);
    }
    await quit;
    expect([...ended(a.runId), ...ended(b.runId)].map((e) => e.type)).toEqual([
      'run-ended',
      'run-ended',
    ]);
    expect(runs.list().map((r) => r.status)).toEqual(['stopped', 'stopped']);
  });

  it('gives the model folder of a run, also of an earlier session, and refuses to stop an unknown run', () => {
    const { runs, start } = setup();
    const { runId } = start();
    expect(runs.modelDir(runId)).toBe(`${RUNS}/${runId}/model`);
    expect(runs.modelDir('run-earlier')).toBe(`${RUNS}/run-earlier/model`);
    expect(() => runs.stop('run-none')).toThrow("There is no run 'run-none'.");
  });

  it('keeps going when the window is gone', () => {
    const { start, logs } = setup({
      send: () => {
        throw new Error('Object has been destroyed');
      },
    });
    const { runId, utility } = start();
    utility.say({ type: 'run', runId, event: started });
    expect(logs).toEqual([
      `Could not pass an event of ${runId} to the window: Object has been destroyed`,
    ]);
  });

  describe('with an events port per run', () => {
    const withPorts = () => {
      const transfers: { runId: string; port: unknown }[] = [];
      let n = 0;
      const env = setup({
        ports: {
          create: () => {
            n += 1;
            return { port1: fakePort(`child-${n}`), port2: fakePort(`renderer-${n}`) };
          },
          transfer: (runId, port) => transfers.push({ runId, port }),
        },
      });
      return { ...env, transfers };
    };

    it('gives one end to the process before the start message and the other to the window', () => {
      const { start, transfers } = withPorts();
      const { runId, utility } = start();
      expect(utility.posted.map((p) => p.message)).toEqual([
        { type: 'events-port' },
        expect.objectContaining({ type: 'start', runId }),
      ]);
      expect(utility.posted[0]?.transfer).toEqual([fakePort('child-1')]);
      expect(transfers).toEqual([{ runId, port: fakePort('renderer-1') }]);
    });

    it('does not relay what the port carries, but does relay the end said for a crashed process', () => {
      vi.useFakeTimers();
      const { runs, sent, start } = withPorts();
      const seen: HostEvent[] = [];
      runs.onEvent((event) => seen.push(event));
      const ok = start();
      ok.utility.say({ type: 'run', runId: ok.runId, event: started });
      ok.utility.say({ type: 'run-ended', runId: ok.runId, status: 'finished' });
      ok.utility.exit(0);
      const crashed = start();
      crashed.utility.say({ type: 'run', runId: crashed.runId, event: started });
      crashed.utility.exit(139);
      vi.advanceTimersByTime(60_000);
      expect(sent).toEqual([
        expect.objectContaining({ type: 'run-ended', runId: crashed.runId, status: 'failed' }),
      ]);
      // The main process itself still sees everything.
      expect(seen.map((e) => `${e.runId} ${e.type}`)).toEqual([
        `${ok.runId} run`,
        `${ok.runId} run-ended`,
        `${crashed.runId} run`,
        `${crashed.runId} run-ended`,
      ]);
    });

    it('relays every event of a run whose port could not reach the window', () => {
      const { runs, sent, start, logs } = setup({
        ports: {
          create: () => ({ port1: fakePort('a'), port2: fakePort('b') }),
          transfer: () => {
            throw new Error('Render frame was disposed');
          },
        },
      });
      void runs;
      const { runId, utility } = start();
      utility.say({ type: 'run', runId, event: started });
      expect(sent).toEqual([{ type: 'run', runId, event: started }]);
      expect(logs).toEqual([
        `Could not give the window the events port of ${runId}: Render frame was disposed`,
      ]);
    });
  });
});
