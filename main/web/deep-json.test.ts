import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphDocument } from '../../core/graph/load.ts';
import { nestsDeeperThan } from '../../core/json-depth.ts';
import type { FakeChild } from '../processes/test-training-child.ts';
import { hostWithFakeChildren } from './test-web-host.ts';
import type { WebHost } from './web-server.ts';

const DEPTH = 100_000;
const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;

describe('deeply nested JSON', () => {
  let host: WebHost;
  let temp: string;
  const children: FakeChild[] = [];

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-deep-json-'));
    host = await hostWithFakeChildren(
      { staticDir: join(temp, 'static'), runsDir: join(temp, 'runs') },
      children,
    );
  });

  afterAll(async () => {
    await host.close();
    await rm(temp, { recursive: true, force: true });
  });

  it('is measured without recursion', () => {
    expect(nestsDeeperThan(JSON.parse(deepArray))).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: [1] }] }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: [[]] }] }, 4)).toBe(true);
  });

  it('is refused by the browser host with a sentence, not a 500', async () => {
    for (const [path, body] of [
      ['runs', `{"graph":{"format":${deepObject}}}`],
      ['runs', deepArray],
      ['datasets/inspect', `{"dataset":${deepArray}}`],
    ] as const) {
      const res = await fetch(`${host.url}api/${path}`, {
        method: 'POST',
        headers: { 'X-Studio-Token': host.token, 'Content-Type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error:
          'The request body nests arrays and objects more than 64 levels deep; no request of this app does.',
      });
    }
    expect(children).toHaveLength(0);
  });

  it('is refused in a graph file with a sentence', () => {
    const result = loadGraphDocument(`{"format":${deepArray}}`);
    expect(result.ok ? undefined : result.error.message).toBe(
      'The graph file nests arrays and objects more than 64 levels deep; a graph never does.',
    );
  });
});
