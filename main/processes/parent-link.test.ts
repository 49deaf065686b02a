import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HostEvent } from '../../core/contract/host.ts';
import {
  connectParent,
  UTILITY_EXIT_DRAIN_MS,
  type EventsPort,
  type ParentProcess,
} from './parent-link.ts';
import { createRunSupervisor } from './run-supervisor.ts';

const TRAINING_PROCESS = fileURLToPath(new URL('./training-process.ts', import.meta.url));
const UTILITY_SHIM = fileURLToPath(new URL('./fixtures/utility-parent-port.mjs', import.meta.url));

class FakeProcess extends EventEmitter {
  exits: (number | undefined)[] = [];
  exit(code?: number): never {
    this.exits.push(code);
    return undefined as never;
  }
}

const ended = (runId: string): HostEvent => ({ type: 'run-ended', runId, status: 'finished' });

describe('connectParent', () => {
  it('is undefined for a process started by hand', () => {
    expect(connectParent(new FakeProcess())).toBeUndefined();
  });

  it('speaks over the fork channel when there is no parentPort', async () => {
    const proc = Object.assign(new FakeProcess(), {
      connected: true,
      sent: [] as unknown[],
      send(message: unknown, _h: undefined, _o: object, callback: (e: Error | null) => void) {
        this.sent.push(message);
        setImmediate(() => callback(null));
        return true;
      },
    });
    const link = connectParent(proc);
    expect(link?.kind).toBe('fork');
    const received: unknown[] = [];
    let disconnected = false;
    link?.onMessage((m) => received.push(m));
    link?.onDisconnect(() => (disconnected = true));
    await link?.send(ended('run-1'));
    expect(proc.sent).toEqual([ended('run-1')]);
    proc.emit('message', { type: 'stop' });
    proc.emit('disconnect');
    expect(received).toEqual([{ type: 'stop' }]);
    expect(disconnected).toBe(true);
    link?.exit(0);
    expect(proc.exits).toEqual([0]);

    proc.connected = false;
    await link?.send(ended('run-2'));
    expect(proc.sent).toHaveLength(1);
  });

  it('picks process.parentPort when present, and also posts to an events port it is given', () => {
    vi.useFakeTimers();
    try {
      const parentPort = Object.assign(
        new EventEmitter(),
        { posted: [] as unknown[] },
        {
          postMessage(message: unknown) {
            parentPort.posted.push(message);
          },
        },
      );
      const portPosts: unknown[] = [];
      const eventsPort: EventsPort = { postMessage: (m) => portPosts.push(m) };
      const send = vi.fn();
      const proc: ParentProcess & FakeProcess = Object.assign(new FakeProcess(), {
        parentPort,
        send,
      });
      const link = connectParent(proc);
      expect(link?.kind).toBe('utility');
      const received: unknown[] = [];
      link?.onMessage((m) => received.push(m));

      void link?.send(ended('run-1'));
      parentPort.emit('message', { data: { type: 'events-port' }, ports: [eventsPort] });
      parentPort.emit('message', { data: { type: 'stop' }, ports: [] });
      void link?.send(ended('run-2'));

      expect(received).toEqual([{ type: 'stop' }]);
      expect(parentPort.posted).toEqual([ended('run-1'), ended('run-2')]);
      expect(portPosts).toEqual([ended('run-2')]);
      expect(send).not.toHaveBeenCalled();

      link?.exit(0);
      expect(proc.exits).toEqual([]);
      vi.advanceTimersByTime(UTILITY_EXIT_DRAIN_MS);
      expect(proc.exits).toEqual([0]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('training-process.ts in a real process', () => {
  let runsDir = '';
  beforeAll(async () => {
    runsDir = await mkdtemp(join(tmpdir(), 'mts-parent-link-'));
  });
  afterAll(async () => {
    await rm(runsDir, { recursive: true, force: true });
  });

  it('runs under child_process.fork and reports a bad request as a failed run', async () => {
    const supervisor = createRunSupervisor({ runsDir, log: () => undefined });
    const events: HostEvent[] = [];
    const end = new Promise<void>((resolve) =>
      supervisor.onEvent((event) => {
        events.push(event);
        if (event.type === 'run-ended') resolve();
      }),
    );
    const runId = supervisor.start({ graph: { nodes: 'none' }, settings: {} });
    await end;
    await supervisor.stopAll();
    expect(events).toEqual([
      { type: 'run-ended', runId, status: 'failed', message: expect.any(String) },
    ]);
    expect(supervisor.get(runId)?.status).toBe('failed');
    expect(supervisor.get(runId)?.pid).toBeUndefined();
  });

  it(
    'runs with only a parentPort, as in a utility process, and posts to the events port',
    { timeout: 30_000 },
    async () => {
      const child = fork(TRAINING_PROCESS, [], {
        execArgv: ['--import', import.meta.resolve('tsx'), '--import', UTILITY_SHIM],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      const messages: unknown[] = [];
      child.on('message', (m) => messages.push(m));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.send({ type: 'events-port' });
      child.send({
        type: 'start',
        runId: 'run-utility',
        request: { graph: { nodes: 'none' }, settings: {} },
        out: join(runsDir, 'run-utility'),
      });
      expect(await exited).toBe(0);
      const last = {
        type: 'run-ended',
        runId: 'run-utility',
        status: 'failed',
        message: expect.any(String),
      };
      expect(messages).toEqual([last, { viaPort: last }]);
    },
  );
});
