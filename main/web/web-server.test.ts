import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  datasetInfoSchema,
  exampleGraphSchema,
  savedRunInfoSchema,
  savedRunSchema,
  type HostEvent,
} from '../../core/contract/host.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { writeRunFolder } from '../runs/test-run-folders.ts';
import type { FakeChild } from '../processes/test-training-child.ts';
import { hostWithFakeChildren } from './test-web-host.ts';
import type { WebHost } from './web-server.ts';

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

/** A raw request, so the Host header and odd paths go out exactly as written. */
function raw(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('createWebHost', () => {
  let host: WebHost;
  let staticDir: string;
  let runsDir: string;
  let temp: string;
  const children: FakeChild[] = [];
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${host.url}api/${path}`, {
      ...init,
      headers: { 'X-Studio-Token': host.token, ...(init.headers as Record<string, string>) },
    });

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-web-'));
    staticDir = join(temp, 'static');
    runsDir = join(temp, 'runs');
    await mkdir(join(staticDir, 'assets'), { recursive: true });
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Studio</title>');
    await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1);');
    await writeFile(join(temp, 'secret.txt'), 'TOP-SECRET-CONTENT');
    host = await hostWithFakeChildren({ staticDir, runsDir }, children);
  });

  afterAll(async () => {
    await host.close();
    await rm(temp, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 with a fresh 32-byte token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/`);
    expect(host.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses the API without the token, or with a wrong one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { 'X-Studio-Token': 'f'.repeat(64) },
      { 'X-Studio-Token': 'x' },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${host.url}api/datasets`, { headers });
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toMatch(/needs the session token/);
    }
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const res = await raw(host.port, '/api/datasets', {
      Host: `evil.example:${host.port}`,
      'X-Studio-Token': host.token,
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toBe(
      `This server answers only requests addressed to 127.0.0.1:${host.port} or localhost:${host.port}.`,
    );
    expect((await raw(host.port, '/', { Host: `127.0.0.1:${host.port + 1}` })).status).toBe(403);
    const local = await raw(host.port, '/api/datasets', {
      Host: `localhost:${host.port}`,
      'X-Studio-Token': host.token,
    });
    expect(local.status).toBe(200);
  });

  it('lists the example graphs and the datasets', async () => {
    const examples = exampleGraphSchema.array().parse(await (await api('examples')).json());
    expect(examples.map((e) => e.id)).toEqual([
      'digits-compact',
      'digits-scenes-detect',
      'digits-scenes-multitask',
      'digits-strong',
      'keras-reference',
      'multidigits-cross-stitch',
      'multidigits-lenet',
      'multidigits-mmoe',
      'multidigits-mtan',
      'scenes-unet',
      'shapes-detect',
      'shapes-segmentation',
      'shapes-three-tasks',
    ]);
    expect(examples[4]?.name).toMatch(/Keras/i);
    expect(examples[4]?.description).not.toBe('');
    const datasets = datasetInfoSchema.array().parse(await (await api('datasets')).json());
    expect(datasets.map((d) => d.name)).toEqual([
      'digits',
      'multidigits',
      'shapes',
      'digits-scenes',
      'scenes',
      'shapes-scenes',
    ]);
    expect(datasets[0]?.targets).toContainEqual(expect.objectContaining({ kind: 'box' }));
  });

  it('refuses an invalid graph or request with a sentence, before any process starts', async () => {
    const before = children.length;
    const post = async (body: unknown) => {
      const res = await api('runs', { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    expect(await post({ graph: { format: 'nope' } })).toEqual({
      status: 400,
      error:
        'The file is not a Multitask Studio graph: expected "format": "multitask-studio/graph" but found "nope".',
    });
    const broken = tinyReferenceGraph();
    const noEdges = { ...broken, edges: broken.edges.filter((e) => e.target !== 'fc') };
    expect((await post({ graph: noEdges })).error).toMatch(/Dense 'fc'/);
    expect(await post({ graph: tinyReferenceGraph(), settings: { epochs: 0 } })).toEqual({
      status: 400,
      error: 'The run request is not valid: settings.epochs: too small: expected number to be >=1.',
    });
    expect(
      (await post({ graph: tinyReferenceGraph(), settings: { dataset: 'shapes' } })).error,
    ).toMatch(/has 10 outputs but the target 'class' in the shapes dataset has 5 classes/);
    // A graph over the memory limit (here a tiny one, so the test needs no huge graph).
    process.env.MTS_MEMORY_LIMIT = '64K';
    try {
      expect((await post({ graph: tinyReferenceGraph() })).error).toMatch(
        /^Training this graph needs about .* more than the limit of 64 KiB \(set by MTS_MEMORY_LIMIT\)\. The largest: /,
      );
    } finally {
      delete process.env.MTS_MEMORY_LIMIT;
    }
    const res = await api('runs', { method: 'POST', body: '{"graph": ' });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(/^The request body is not valid JSON/);
    const big = await api('runs', { method: 'POST', body: 'x'.repeat(5 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(children.length).toBe(before);
  });

  it('starts a run with only the settings the request names, streams its events, and stops it', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events?token=${host.token}`);
    const events: HostEvent[] = [];
    ws.on('message', (data) => events.push(JSON.parse(String(data)) as HostEvent));
    await new Promise((resolve) => ws.once('open', resolve));

    const res = await api('runs', {
      method: 'POST',
      body: JSON.stringify({ graph: tinyReferenceGraph(), settings: { epochs: 1 } }),
    });
    expect(res.status).toBe(200);
    const { runId } = (await res.json()) as { runId: string };
    const child = children.at(-1) as FakeChild;
    expect(child.sent[0]).toMatchObject({
      type: 'start',
      runId,
      request: { settings: { epochs: 1 } },
      out: join(runsDir, runId),
    });

    child.emit('message', { type: 'run-ended', runId, status: 'finished' });
    expect((await api(`runs/${runId}/stop`, { method: 'POST' })).status).toBe(204);
    const unknown = await api('runs/run-nope/stop', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toBe("There is no run 'run-nope'.");
    await expect.poll(() => events).toEqual([{ type: 'run-ended', runId, status: 'finished' }]);
    ws.close();
  });

  it('trains one run at a time by default and refuses the others with a sentence', async () => {
    for (const child of children) child.kill();
    await expect
      .poll(() => host.supervisor.list().every((r) => r.status !== 'starting'))
      .toBe(true);
    const start = () =>
      api('runs', { method: 'POST', body: JSON.stringify({ graph: tinyReferenceGraph() }) });
    const answers = await Promise.all([start(), start(), start()]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 429, 429]);
    const refused = answers.find((r) => r.status === 429);
    expect(await errorOf(refused as Response)).toBe(
      'A run is already training and this host trains at most 1 at a time; stop it or wait until it ends, or start the server with --max-runs N to allow more.',
    );
    const { runId } = (await (answers.find((r) => r.status === 200) as Response).json()) as {
      runId: string;
    };
    // The place is free once the run has ended.
    const child = children.at(-1) as FakeChild;
    child.emit('message', { type: 'run-ended', runId, status: 'finished' });
    child.kill();
    expect((await start()).status).toBe(200);
    (children.at(-1) as FakeChild).kill();
  });

  it('refuses the event stream without the token or from another origin', async () => {
    const status = (url: string, origin?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, origin ? { origin } : {});
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    const base = `ws://127.0.0.1:${host.port}/api/events`;
    expect(await status(base)).toBe(401);
    expect(await status(`${base}?token=${'0'.repeat(64)}`)).toBe(401);
    expect(await status(`${base}?token=${host.token}`, 'http://evil.example')).toBe(403);
    expect(await status(`${base}?token=${host.token}`, `http://localhost:${host.port}`)).toBe(101);
  });

  it('exports a run that has no model yet as a 404 with a sentence', async () => {
    const res = await api('runs/run-nope/export');
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toBe("There is no run 'run-nope'.");
    await mkdir(join(runsDir, 'run-empty'), { recursive: true });
    const empty = await api('runs/run-empty/export');
    expect(empty.status).toBe(404);
    expect(await errorOf(empty)).toMatch(/^The run 'run-empty' has no trained model yet/);
    expect((await api('runs/..%2F..%2Fetc/export')).status).toBe(404);
    const badFormat = await api('runs/run-empty/export?format=caffe');
    expect(badFormat.status).toBe(400);
    expect(await errorOf(badFormat)).toMatch(/^The export request/);
  });

  it('lists the kept runs and opens one, behind the token and by run id only', async () => {
    await writeRunFolder(runsDir, 'run-old', { createdAt: '2024-01-01T00:00:00.000Z' });
    await writeRunFolder(runsDir, 'run-new', { createdAt: '2024-02-01T00:00:00.000Z' });
    await writeFile(join(runsDir, 'notes.txt'), 'not a run');
    const list = await api('runs');
    expect(list.status).toBe(200);
    const runs = savedRunInfoSchema.array().parse(await list.json());
    // run-empty (no run.json) and the file are left out.
    expect(runs.map((r) => r.runId)).toEqual(['run-new', 'run-old']);

    const opened = await api('runs/run-old');
    expect(opened.status).toBe(200);
    const run = savedRunSchema.parse(await opened.json());
    expect(run.info.runId).toBe('run-old');
    expect(run.history).toHaveLength(2);

    expect((await fetch(`${host.url}api/runs`)).status).toBe(401);
    expect((await fetch(`${host.url}api/runs/run-old`)).status).toBe(401);
    const unknown = await api('runs/run-nope');
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toBe("There is no run 'run-nope'.");
    const notRun = await api('runs/run-empty');
    expect(notRun.status).toBe(400);
    expect(await errorOf(notRun)).toMatch(
      /is not a Multitask Studio run folder: run\.json is missing/,
    );
    for (const path of ['runs/..%2F..%2Fetc', 'runs/%2E%2E', 'runs/..%5Csecret']) {
      expect((await api(path)).status, path).toBe(404);
    }
  });

  it('serves the app with its content types and security headers', async () => {
    const index = await fetch(host.url);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>Studio</title>');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain(`ws://127.0.0.1:${host.port}`);
    const js = await fetch(`${host.url}assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${host.url}assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${host.url}assets`)).status).toBe(404);
  });

  it('serves nothing outside its folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2Fetc%2Fpasswd',
      '/..%5csecret.txt',
      '/index.html%00.js',
    ]) {
      const res = await raw(host.port, path, { Host: `127.0.0.1:${host.port}` });
      expect([400, 404], path).toContain(res.status);
      expect(res.body).not.toContain('TOP-SECRET-CONTENT');
    }
  });
});
