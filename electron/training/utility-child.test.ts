import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { fakeFork, fakePort, type FakeUtility } from './fake-utility.ts';
import {
  createUtilityChild,
  SERVICE_NAME,
  type ElectronFork,
  type ForkUtility,
} from './utility-child.ts';

afterEach(() => {
  vi.useRealTimers();
});

const only = (processes: FakeUtility[]) => {
  expect(processes).toHaveLength(1);
  return processes[0] as FakeUtility;
};

describe('createUtilityChild', () => {
  it("takes Electron's own utilityProcess.fork", () => {
    expectTypeOf<ElectronFork>().toExtend<ForkUtility>();
  });

  it('forks the TypeScript entry through tsx in development, the bundle as is in production', () => {
    const { fork, processes } = fakeFork();
    createUtilityChild(fork, '/app/main/processes/training-process.ts', {
      typescript: { tsxLoader: 'file:///app/node_modules/tsx/dist/loader.mjs' },
    });
    createUtilityChild(fork, '/app/dist/training-process.js');
    const [dev, prod] = processes;
    expect(dev?.modulePath).toBe('/app/main/processes/training-process.ts');
    expect(dev?.options).toEqual({
      serviceName: SERVICE_NAME,
      execArgv: ['--import', 'file:///app/node_modules/tsx/dist/loader.mjs'],
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    expect(prod?.options).toEqual({
      serviceName: 'Multitask Studio training',
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  });

  it('maps postMessage, message, spawn and exit to the supervisor’s child interface', async () => {
    const { fork, processes } = fakeFork();
    const child = createUtilityChild(fork, 'entry.js');
    const utility = only(processes);
    const seen: unknown[] = [];
    child.on('spawn', () => seen.push('spawn'));
    child.on('message', (m) => seen.push(m));
    child.on('exit', (code, signal) => seen.push(['exit', code, signal]));
    child.on('close', () => seen.push('close'));

    const sent = await new Promise<Error | null>((resolve) =>
      child.send({ type: 'stop' }, resolve),
    );
    expect(sent).toBeNull();
    expect(utility.messages).toEqual([{ type: 'stop' }]);

    utility.emit('spawn');
    expect(child.pid).toBe(5000);
    utility.say({ hello: 1 });
    utility.exit(3);
    utility.exit(3);
    utility.say({ late: true });
    expect(seen).toEqual(['spawn', { hello: 1 }, ['exit', 3, null]]);
    expect(child.pid).toBeUndefined();
  });

  it('never posts to a process that has exited', async () => {
    const { fork, processes } = fakeFork();
    const child = createUtilityChild(fork, 'entry.js');
    const utility = only(processes);
    utility.exit(0);
    const error = await new Promise<Error | null>((resolve) =>
      child.send({ type: 'stop' }, resolve),
    );
    expect(error?.message).toBe('the training process has exited');
    child.attachEventsPort(fakePort('late'));
    expect(child.kill('SIGKILL')).toBe(false);
    expect(utility.posted).toEqual([]);
    expect(utility.kills).toBe(0);
  });

  it('hands an events port over with the events-port message', () => {
    const { fork, processes } = fakeFork();
    const child = createUtilityChild(fork, 'entry.js');
    const port = fakePort('port1');
    child.attachEventsPort(port);
    expect(only(processes).posted).toEqual([
      { message: { type: 'events-port' }, transfer: [port] },
    ]);
  });

  it('kills gracefully, then with SIGKILL when the process has not gone in time', () => {
    vi.useFakeTimers();
    const killPid = vi.fn();
    const { fork, processes } = fakeFork();
    const child = createUtilityChild(fork, 'entry.js', { forceKillAfterMs: 2000, killPid });
    const utility = only(processes);
    utility.emit('spawn');
    expect(child.kill('SIGKILL')).toBe(true);
    expect(utility.kills).toBe(1);
    vi.advanceTimersByTime(1999);
    expect(killPid).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(killPid).toHaveBeenCalledExactlyOnceWith(5000, 'SIGKILL');
  });

  it('does not SIGKILL a process that went after the graceful kill', () => {
    vi.useFakeTimers();
    const killPid = vi.fn();
    const { fork, processes } = fakeFork();
    const child = createUtilityChild(fork, 'entry.js', { killPid });
    const utility = only(processes);
    child.kill('SIGKILL');
    utility.exit(0);
    vi.advanceTimersByTime(10_000);
    expect(killPid).not.toHaveBeenCalled();
  });

  it('turns a fatal V8 error into an error that names it', () => {
    const { fork, processes } = fakeFork();
    const child = createUtilityChild(fork, 'entry.js');
    const errors: Error[] = [];
    child.on('error', (e) => errors.push(e));
    only(processes).emit('error', 'FatalError', 'Reached heap limit', '{}');
    expect(errors.map((e) => e.message)).toEqual([
      'FatalError in the training process: Reached heap limit',
    ]);
  });
});
