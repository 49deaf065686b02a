import { mkdir, mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { hostEventSchema, type HostEvent } from '../../core/contract/host.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { createWebHost, type WebHost } from './web-server.ts';

/**
 * Real training processes through the real server: a tiny graph, 60 samples. The runs share
 * one server and go one after another (the machine has two cores).
 */
describe('the browser host, end to end', () => {
  let host: WebHost;
  let ws: WebSocket;
  let temp: string;
  const events: HostEvent[] = [];

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${host.url}api/${path}`, { ...init, headers: { 'X-Studio-Token': host.token } });

  const startRun = async (settings: Record<string, unknown>) => {
    const res = await api('runs', {
      method: 'POST',
      body: JSON.stringify({ graph: tinyReferenceGraph(), settings }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { runId: string }).runId;
  };

  const eventsOf = (runId: string) => events.filter((e) => e.runId === runId);
  const until = async (runId: string, test: (e: HostEvent) => boolean) => {
    await expect
      .poll(() => eventsOf(runId).some(test), { timeout: 60_000, interval: 50 })
      .toBe(true);
  };
  const ended = (runId: string) => eventsOf(runId).filter((e) => e.type === 'run-ended');

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-e2e-'));
    await mkdir(join(temp, 'static'));
    await writeFile(join(temp, 'static', 'index.html'), '<!doctype html>');
    host = await createWebHost({
      staticDir: join(temp, 'static'),
      runsDir: join(temp, 'runs'),
      examplesDir: fileURLToPath(new URL('../../assets/examples', import.meta.url)),
    });
    ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events?token=${host.token}`);
    ws.on('message', (data) => events.push(hostEventSchema.parse(JSON.parse(String(data)))));
    await new Promise((resolve) => ws.once('open', resolve));
  });

  afterAll(async () => {
    ws?.close();
    await host?.close();
    await rm(temp, { recursive: true, force: true });
  });

  it('trains, streams the events, sends the gallery and exports the model', async () => {
    const runId = await startRun({ limit: 60, epochs: 1 });
    await until(runId, (e) => e.type === 'run-ended');

    const types = eventsOf(runId).map((e) => (e.type === 'run' ? e.event.type : e.type));
    expect(types[0]).toBe('started');
    expect(types.slice(-4)).toEqual(['epoch', 'finished', 'run-result', 'run-ended']);
    expect(ended(runId)).toEqual([{ type: 'run-ended', runId, status: 'finished' }]);

    const result = eventsOf(runId).find((e) => e.type === 'run-result');
    if (result?.type !== 'run-result') throw new Error('no run-result');
    expect(result.test?.samples).toBe(6);
    // 60 samples split 80/10/10: the validation split has 6, fewer than the gallery's 12.
    expect(result.gallery).toHaveLength(6);
    const sample = result.gallery[0];
    expect(sample).toMatchObject({ width: 16, height: 16, channels: 3 });
    expect(Buffer.from(sample?.pixels ?? '', 'base64')).toHaveLength(16 * 16 * 3);
    const [classHead, boxHead] = sample?.heads ?? [];
    expect(classHead).toMatchObject({ task: 'class', targetKind: 'class' });
    expect(classHead?.classes).toHaveLength(10);
    expect(classHead?.truth.reduce((a, b) => a + b, 0)).toBe(1);
    expect(classHead?.prediction.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(boxHead).toMatchObject({ task: 'box', targetKind: 'box' });
    expect(boxHead?.truth).toHaveLength(4);
    expect(boxHead?.prediction).toHaveLength(4);
    expect(boxHead?.classes).toBeUndefined();

    const res = await api(`runs/${runId}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="${runId}-best-tfjs.zip"`,
    );
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual([
      'graph.json',
      'labels-box.txt',
      'labels-class.txt',
      'metadata.json',
      'metrics.json',
      'model.json',
      'run.json',
      'weights.bin',
    ]);
    const model = JSON.parse(new TextDecoder().decode(files['model.json']));
    expect(model.format).toBe('layers-model');
    expect(files['weights.bin']?.byteLength).toBeGreaterThan(0);
  });

  it('stops a run between batches and keeps its model', async () => {
    const runId = await startRun({ limit: 60, epochs: 500 });
    await until(runId, (e) => e.type === 'run' && e.event.type === 'epoch');
    expect((await api(`runs/${runId}/stop`, { method: 'POST' })).status).toBe(204);
    await until(runId, (e) => e.type === 'run-ended');

    expect(ended(runId)).toEqual([{ type: 'run-ended', runId, status: 'stopped' }]);
    const types = eventsOf(runId).map((e) => (e.type === 'run' ? e.event.type : e.type));
    expect(types.slice(-3)).toEqual(['stopped', 'run-result', 'run-ended']);
    expect((await api(`runs/${runId}/export`)).status).toBe(200);
  });

  it('stops a run whose training process gets SIGTERM like a Stop, keeping its epochs', async () => {
    for (const signal of ['SIGTERM'] as const) {
      const runId = await startRun({ limit: 60, epochs: 500 });
      await until(runId, (e) => e.type === 'run' && e.event.type === 'epoch');
      process.kill(host.supervisor.get(runId)?.pid as number, signal);
      await until(runId, (e) => e.type === 'run-ended');
      expect(ended(runId)).toEqual([{ type: 'run-ended', runId, status: 'stopped' }]);
      const manifest = JSON.parse(
        await readFile(join(host.supervisor.get(runId)?.out as string, 'run.json'), 'utf8'),
      );
      expect(manifest.status).toBe('stopped');
      expect(manifest.epochsCompleted).toBeGreaterThan(0);
    }
  });

  it('reports a training process that dies as a failed run, once', async () => {
    const runId = await startRun({ limit: 60, epochs: 500 });
    await until(runId, (e) => e.type === 'run' && e.event.type === 'epoch');
    const pid = host.supervisor.get(runId)?.pid;
    expect(pid).toBeTypeOf('number');
    process.kill(pid as number, 'SIGKILL');
    await until(runId, (e) => e.type === 'run-ended');

    expect(ended(runId)).toEqual([
      {
        type: 'run-ended',
        runId,
        status: 'failed',
        // Epochs of this tiny run are quick: more may have finished before the kill lands.
        message: expect.stringMatching(
          /^The training process stopped unexpectedly \(signal SIGKILL\); the model of epoch \d+, the last it finished, is kept in the run folder\.$/,
        ),
      },
    ]);
    const out = host.supervisor.get(runId)?.out as string;
    await expect
      .poll(async () => JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).status)
      .toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ended(runId)).toHaveLength(1);
  });
});
