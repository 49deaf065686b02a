import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savedRunInfoSchema } from '../../core/contract/host.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import type { FakeChild } from '../processes/test-training-child.ts';
import { writeRunFolder } from '../runs/test-run-folders.ts';
import { hostWithFakeChildren } from './test-web-host.ts';
import type { WebHost } from './web-server.ts';

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('naming runs in the browser host', () => {
  let host: WebHost;
  let temp: string;
  let runsDir: string;
  const children: FakeChild[] = [];
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${host.url}api/${path}`, {
      ...init,
      headers: { 'X-Studio-Token': host.token, 'Content-Type': 'application/json' },
    });
  const rename = (runId: string, body: unknown) =>
    api(`runs/${runId}`, { method: 'PATCH', body: JSON.stringify(body) });

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-rename-route-'));
    runsDir = join(temp, 'runs');
    host = await hostWithFakeChildren({ staticDir: join(temp, 'static'), runsDir }, children);
  });

  afterAll(async () => {
    await host.close();
    await rm(temp, { recursive: true, force: true });
  });

  it('renames a kept run: run.json keeps the name and the list shows it', async () => {
    const dir = await writeRunFolder(runsDir, 'run-a');
    const res = await rename('run-a', { name: '  faster rate ' });
    expect(res.status).toBe(204);
    const manifest = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as {
      name?: string;
      status: string;
    };
    expect(manifest).toMatchObject({ name: 'faster rate', status: 'finished' });
    const runs = savedRunInfoSchema.array().parse(await (await api('runs')).json());
    expect(runs.find((r) => r.runId === 'run-a')?.name).toBe('faster rate');
  });

  it('refuses an unknown run, a bad name and a missing token with one sentence', async () => {
    await writeRunFolder(runsDir, 'run-b');
    const unknown = await rename('run-nope', { name: 'x' });
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toBe("There is no run 'run-nope'.");
    expect((await rename('..%2Fetc', { name: 'x' })).status).toBe(404);

    for (const [body, sentence] of [
      [{ name: '' }, 'The rename request is not valid: name: a run name cannot be empty.'],
      [
        { name: 'a\u0007b' },
        'The rename request is not valid: name: a run name cannot hold control characters.',
      ],
      [
        { name: 'x'.repeat(121) },
        'The rename request is not valid: name: a run name has at most 120 characters.',
      ],
      [{}, /^The rename request is not valid: name: /],
    ] as const) {
      const res = await rename('run-b', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(res);
      if (typeof sentence === 'string') expect(error).toBe(sentence);
      else expect(error).toMatch(sentence);
    }
    const noToken = await fetch(`${host.url}api/runs/run-b`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'x' }),
    });
    expect(noToken.status).toBe(401);
    expect(
      JSON.parse(await readFile(join(runsDir, 'run-b', 'run.json'), 'utf8')),
    ).not.toHaveProperty('name');
  });

  it('hands the name given at Start to the training process', async () => {
    const res = await api('runs', {
      method: 'POST',
      body: JSON.stringify({ graph: tinyReferenceGraph(), name: ' tiny · run 1 ' }),
    });
    expect(res.status).toBe(200);
    const child = children.at(-1);
    await expect.poll(() => child?.sent.length).toBe(1);
    expect(child?.sent[0]).toMatchObject({ type: 'start', request: { name: 'tiny · run 1' } });
    const bad = await api('runs', {
      method: 'POST',
      body: JSON.stringify({ graph: tinyReferenceGraph(), name: 'a\nb' }),
    });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toBe(
      'The run request is not valid: name: a run name cannot hold control characters.',
    );
  });
});
