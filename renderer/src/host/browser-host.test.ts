import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostEvent } from '../../../core/contract/host.ts';
import { sampleInspection } from '../datasets/test-inspection.ts';
import { createBrowserHost, type BrowserEnv } from './browser-host.ts';

class FakeSocket {
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
    this.onclose?.();
  }
}

function setup(search = '?token=abc123') {
  const stored = new Map<string, string>();
  const sockets: FakeSocket[] = [];
  const calls: { url: string; init: RequestInit }[] = [];
  const downloads: { blob: Blob; filename: string }[] = [];
  let respond: (url: string) => Response = () => Response.json([]);
  const env: BrowserEnv = {
    fetch: async (input, init = {}) => {
      calls.push({ url: String(input), init });
      return respond(String(input));
    },
    openSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
    storage: {
      getItem: (key) => stored.get(key) ?? null,
      setItem: (key, value) => void stored.set(key, value),
    },
    download: (blob, filename) => void downloads.push({ blob, filename }),
  };
  const location = { search, host: '127.0.0.1:5177', protocol: 'http:' };
  return {
    host: createBrowserHost(location, env),
    again: (query: string) => createBrowserHost({ ...location, search: query }, env),
    sockets,
    calls,
    downloads,
    answer: (fn: (url: string) => Response) => (respond = fn),
  };
}

const ended: HostEvent = { type: 'run-ended', runId: 'run-1', status: 'finished' };

afterEach(() => {
  vi.useRealTimers();
});

describe('createBrowserHost', () => {
  it('sends the token from the address, and remembers it for a reload without it', async () => {
    const { host, again, calls } = setup();
    await host.listDatasets();
    await again('').listExamples();
    expect(
      calls.map((c) => [c.url, (c.init.headers as Record<string, string>)['X-Studio-Token']]),
    ).toEqual([
      ['/api/datasets', 'abc123'],
      ['/api/examples', 'abc123'],
    ]);
  });

  it('throws the sentence the server answers with', async () => {
    const { host, answer } = setup();
    answer(() => Response.json({ error: "Dense 'fc' expects a rank-2 input." }, { status: 400 }));
    await expect(host.startRun({ graph: {} })).rejects.toThrow(
      "Dense 'fc' expects a rank-2 input.",
    );
    answer(() => new Response('oops', { status: 502, statusText: 'Bad Gateway' }));
    await expect(host.stopRun('run-1')).rejects.toThrow(
      'The Multitask Studio server answered 502 Bad Gateway.',
    );
  });

  it('posts a run request and returns its id', async () => {
    const { host, answer, calls } = setup();
    answer(() => Response.json({ runId: 'run-7' }));
    await expect(host.startRun({ graph: { a: 1 }, settings: { epochs: 2 } })).resolves.toEqual({
      runId: 'run-7',
    });
    expect(calls[0]?.init).toMatchObject({
      method: 'POST',
      body: JSON.stringify({ graph: { a: 1 }, settings: { epochs: 2 } }),
    });
  });

  it('renames a run with PATCH and the token, and throws the refusal as a sentence', async () => {
    const { host, answer, calls } = setup();
    answer(() => new Response(null, { status: 204 }));
    await expect(host.renameRun('run 7', 'faster rate')).resolves.toBeUndefined();
    expect(calls[0]?.url).toBe('/api/runs/run%207');
    expect(calls[0]?.init).toMatchObject({
      method: 'PATCH',
      body: JSON.stringify({ name: 'faster rate' }),
      headers: { 'X-Studio-Token': 'abc123', 'Content-Type': 'application/json' },
    });
    answer(() => Response.json({ error: "There is no run 'run-9'." }, { status: 404 }));
    await expect(host.renameRun('run-9', 'x')).rejects.toThrow("There is no run 'run-9'.");
  });

  it('inspects a dataset by its path on the server', async () => {
    const { host, answer, calls } = setup();
    answer(() => Response.json(sampleInspection('/d/labels.csv')));
    const request = { path: '/d/labels.csv', options: { validationFraction: 0.2 } };
    await expect(host.inspectDataset(request)).resolves.toEqual(sampleInspection('/d/labels.csv'));
    expect(calls[0]).toMatchObject({
      url: '/api/datasets/inspect',
      init: { method: 'POST', body: JSON.stringify(request) },
    });
  });

  it('uploads a picked zip as it is and answers where the server unpacked it', async () => {
    const { host, answer, calls } = setup();
    answer(() => Response.json({ path: '/srv/datasets/pets-1/labels.csv' }));
    const data = new Uint8Array([80, 75, 3, 4]).buffer;
    await expect(host.chooseDataset({ kind: 'upload', name: 'My pets.zip', data })).resolves.toBe(
      '/srv/datasets/pets-1/labels.csv',
    );
    expect(calls[0]?.url).toBe('/api/datasets/upload?name=My%20pets.zip');
    expect(calls[0]?.init.body).toBe(data);
    expect(calls[0]?.init.headers).toMatchObject({
      'X-Studio-Token': 'abc123',
      'Content-Type': 'application/zip',
    });
    await expect(host.chooseDataset({ kind: 'folder' })).rejects.toThrow(
      'A browser cannot hand the server a file or folder by its path',
    );
  });

  it('lists kept runs and opens one, checking both answers with the contract', async () => {
    const { host, calls, answer } = setup();
    const info = {
      runId: 'run 1',
      graphName: 'g',
      createdAt: '2024-01-01T00:00:00.000Z',
      status: 'finished',
      epochsCompleted: 1,
      epochs: 1,
      dataset: 'digits',
    };
    answer(() => Response.json([info]));
    await expect(host.listRuns()).rejects.toThrow();
    answer(() => Response.json([{ ...info, runId: 'run-1' }]));
    await expect(host.listRuns()).resolves.toEqual([{ ...info, runId: 'run-1' }]);
    answer(() => Response.json({ info: { ...info, runId: 'run-1' } }));
    // Not a whole run: settings, backend, sizes and history are missing.
    await expect(host.openRun('run-1')).rejects.toThrow();
    expect(calls.map((c) => c.url)).toEqual(['/api/runs', '/api/runs', '/api/runs/run-1']);
    expect(
      calls.every((c) => (c.init.headers as Record<string, string>)['X-Studio-Token'] === 'abc123'),
    ).toBe(true);
  });

  it('downloads an exported run as a zip', async () => {
    const { host, answer, calls, downloads } = setup();
    answer(
      () =>
        new Response(new Uint8Array([80, 75, 3, 4]), {
          headers: { 'Content-Type': 'application/zip' },
        }),
    );
    await host.exportRun('run-1');
    expect(calls[0]?.url).toBe('/api/runs/run-1/export?format=tfjs&checkpoint=best');
    expect(downloads).toHaveLength(1);
    expect(downloads[0]?.filename).toBe('run-1-best-tfjs.zip');
    expect(downloads[0]?.blob.size).toBe(4);
  });

  it('opens one socket for every listener, and drops messages that are not host events', () => {
    const { host, sockets } = setup();
    const a: HostEvent[] = [];
    const b: HostEvent[] = [];
    const offA = host.onEvent((e) => a.push(e));
    const offB = host.onEvent((e) => b.push(e));
    expect(sockets.map((s) => s.url)).toEqual(['ws://127.0.0.1:5177/api/events?token=abc123']);
    const socket = sockets[0] as FakeSocket;
    socket.onmessage?.({ data: 'not json' });
    socket.onmessage?.({ data: JSON.stringify({ type: 'run-ended', runId: 'run-1' }) });
    socket.onmessage?.({ data: JSON.stringify(ended) });
    expect(a).toEqual([ended]);
    expect(b).toEqual([ended]);
    offA();
    expect(socket.closed).toBe(false);
    offB();
    expect(socket.closed).toBe(true);
  });

  it('reconnects with a growing delay when the socket drops, and resets it once open', () => {
    vi.useFakeTimers();
    const { host, sockets } = setup();
    const off = host.onEvent(() => undefined);
    sockets[0]?.onclose?.();
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]?.onclose?.();
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    sockets[2]?.onopen?.();
    sockets[2]?.onclose?.();
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(4);
    off();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(4);
  });
});
