import { describe, expect, it, vi } from 'vitest';
import type { DesktopApi, DesktopEvent } from '../../../core/contract/desktop.ts';
import type { HostEvent } from '../../../core/contract/host.ts';
import { createDesktopHost, ipcSentence } from './desktop-host.ts';

function fakeApi(answers: Partial<Record<string, unknown>> = {}) {
  const calls: { channel: string; request: unknown }[] = [];
  const listeners = new Map<DesktopEvent, (payload: unknown) => void>();
  const channel =
    (name: string) =>
    async (request: unknown): Promise<unknown> => {
      calls.push({ channel: name, request });
      const answer = answers[name];
      if (answer instanceof Error) throw answer;
      return answer;
    };
  const api = {
    'examples:list': channel('examples:list'),
    'datasets:list': channel('datasets:list'),
    'dataset:choose': channel('dataset:choose'),
    'dataset:inspect': channel('dataset:inspect'),
    'run:start': channel('run:start'),
    'run:stop': channel('run:stop'),
    'run:rename': channel('run:rename'),
    'run:export': channel('run:export'),
    'runs:list': channel('runs:list'),
    'run:open': channel('run:open'),
    'file:open': channel('file:open'),
    'file:save': channel('file:save'),
    'document:state': channel('document:state'),
    on: vi.fn((event: DesktopEvent, listener: (payload: unknown) => void) => {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    }),
  } as unknown as DesktopApi;
  return { api, calls, listeners };
}

describe('createDesktopHost', () => {
  it('lists kept runs and opens one by id, each on its own channel', async () => {
    const info = { runId: 'r1', graphName: 'g' };
    const { api, calls } = fakeApi({ 'runs:list': [info], 'run:open': { info } });
    const host = createDesktopHost(api);
    await expect(host.listRuns()).resolves.toEqual([info]);
    await expect(host.openRun('r1')).resolves.toEqual({ info });
    expect(calls).toEqual([
      { channel: 'runs:list', request: undefined },
      { channel: 'run:open', request: 'r1' },
    ]);
  });

  it('is the desktop host and maps each request to its channel', async () => {
    const { api, calls } = fakeApi({
      'examples:list': [],
      'datasets:list': [],
      'run:start': { runId: 'r1' },
      'run:export': { folder: '/tmp/model' },
    });
    const host = createDesktopHost(api);
    expect(host.kind).toBe('desktop');
    await expect(host.listExamples()).resolves.toEqual([]);
    await expect(host.listDatasets()).resolves.toEqual([]);
    await expect(host.startRun({ graph: { a: 1 } })).resolves.toEqual({ runId: 'r1' });
    await expect(host.stopRun('r1')).resolves.toBeUndefined();
    await expect(host.renameRun('r1', 'faster rate')).resolves.toBeUndefined();
    await expect(host.exportRun('r1')).resolves.toBeUndefined();
    await expect(
      host.exportRun('r1', { format: 'tfjs', checkpoint: 'last' }),
    ).resolves.toBeUndefined();
    expect(calls).toEqual([
      { channel: 'examples:list', request: undefined },
      { channel: 'datasets:list', request: undefined },
      { channel: 'run:start', request: { graph: { a: 1 } } },
      { channel: 'run:stop', request: 'r1' },
      { channel: 'run:rename', request: { runId: 'r1', name: 'faster rate' } },
      {
        channel: 'run:export',
        request: { runId: 'r1', options: { format: 'tfjs', checkpoint: 'best' } },
      },
      {
        channel: 'run:export',
        request: { runId: 'r1', options: { format: 'tfjs', checkpoint: 'last' } },
      },
    ]);
  });

  it('chooses a dataset file or folder with the dialog, and inspects it', async () => {
    const { api, calls } = fakeApi({
      'dataset:choose': '/data/yolo',
      'dataset:inspect': { ok: 1 },
    });
    const host = createDesktopHost(api);
    await expect(host.chooseDataset({ kind: 'folder' })).resolves.toBe('/data/yolo');
    await expect(host.inspectDataset({ path: '/data/yolo' })).resolves.toEqual({ ok: 1 });
    await expect(
      host.chooseDataset({ kind: 'upload', name: 'a.zip', data: new ArrayBuffer(0) }),
    ).rejects.toThrow('choose a file or a folder');
    expect(calls).toEqual([
      { channel: 'dataset:choose', request: { kind: 'folder' } },
      { channel: 'dataset:inspect', request: { path: '/data/yolo' } },
    ]);
  });

  it('treats a cancelled export as done', async () => {
    const { api } = fakeApi({ 'run:export': null });
    await expect(createDesktopHost(api).exportRun('r1')).resolves.toBeUndefined();
  });

  it("passes host events on through 'host-event' and unsubscribes", () => {
    const { api, listeners } = fakeApi();
    const seen: HostEvent[] = [];
    const off = createDesktopHost(api).onEvent((event) => seen.push(event));
    const ended: HostEvent = { type: 'run-ended', runId: 'r1', status: 'finished' };
    listeners.get('host-event')?.(ended);
    expect(seen).toEqual([ended]);
    off();
    expect(listeners.has('host-event')).toBe(false);
  });

  it("gives the main process's sentence, not Electron's wrapping", async () => {
    const wrapped = new Error(
      "Error invoking remote method 'run:start': StudioError: The graph has no task head.",
    );
    const { api } = fakeApi({ 'run:start': wrapped });
    await expect(createDesktopHost(api).startRun({ graph: {} })).rejects.toThrow(
      /^The graph has no task head\.$/,
    );
    expect(ipcSentence(new Error('Plain sentence.')).message).toBe('Plain sentence.');
  });
});
