import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../../core/graph/load.ts';
import { graphDocumentSchema } from '../../core/graph/schema.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { cli } from './test-cli.ts';

/** 256×256 RGB, two stride-1 64-filter convs, a Dense(4096): about 64 GiB of weights alone. */
const hugeGraph = () => {
  const nodes = [
    { id: 'image', kind: 'Input', params: { height: 256, width: 256, channels: 3 } },
    { id: 'conv1', kind: 'Conv2D', params: { filters: 64 } },
    { id: 'conv2', kind: 'Conv2D', params: { filters: 64 } },
    { id: 'flat', kind: 'Flatten' },
    { id: 'fc', kind: 'Dense', params: { units: 4096 } },
    { id: 'cls', kind: 'ClassificationHead', params: { classes: 10 } },
  ];
  return graphDocumentSchema.parse({
    format: 'multitask-studio/graph',
    version: 1,
    name: 'huge',
    nodes,
    edges: nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]?.id, target: n.id })),
  });
};

const root = join(import.meta.dirname, '../..');
let work: string;
let huge: string;
let tiny: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-guards-'));
  huge = join(work, 'huge.graph.json');
  await writeFile(huge, JSON.stringify(hugeGraph()));
  tiny = join(work, 'tiny.graph.json');
  await writeFile(tiny, serializeGraphDocument(tinyReferenceGraph()));
});

describe('memory', () => {
  it('summary shows the estimate and warns when it is over the limit', async () => {
    const { code, out } = await cli('summary', huge, '--json');
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect(summary.memory.total).toBeGreaterThan(64 * 2 ** 30);
    expect(summary.nodes.find((n: { id: string }) => n.id === 'fc').memoryBytes).toBeGreaterThan(
      2 ** 38,
    );
    const human = await cli('summary', huge);
    expect(human.out).toMatch(/Memory to train: \d+ GiB \(weights/);
    expect(human.out).toContain('warning: Training this graph needs about');
  });

  it('train refuses before building anything, naming the largest node', async () => {
    const out = join(work, 'never');
    const { code, err } = await cli('train', huge, '--out', out, '--memory-limit', '8G');
    expect(code).toBe(1);
    expect(err).toMatch(
      /^error: Training this graph needs about \d+ GiB .*, more than the limit of 8 GiB \(set by --memory-limit\)\. The largest: Dense 'fc'/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a memory limit it cannot read', async () => {
    const { code, err } = await cli('train', huge, '--memory-limit', 'lots');
    expect(code).toBe(2);
    expect(err).toBe(
      "error: --memory-limit must be a size such as 12G, 800M or a number of bytes; got 'lots'.\n",
    );
  });
});

describe('odd paths get a sentence, before any work', () => {
  it.runIf(process.platform === 'linux').each([
    [['summary', '/dev/zero'], 1, 'error: /dev/zero is a device, not a graph file.\n'],
    [
      ['dataset', 'inspect', '/dev/zero'],
      1,
      "error: '/dev/zero' is a device, not a dataset file or folder.\n",
    ],
    [['train', 'TINY', '--out', ''], 2, "error: --out needs a folder for the run; got ''.\n"],
    [
      ['train', 'TINY', '--out', '/proc/x'],
      1,
      'error: /proc/x is inside the process table /proc, which holds no files; choose a folder on disk for the run.\n',
    ],
    [
      ['train', 'TINY', '--out', '/dev/null/run'],
      1,
      'error: Part of the path /dev/null/run is a file, not a folder.\n',
    ],
  ])('%j', async (argv, code, sentence) => {
    const result = await cli(...argv.map((a) => (a === 'TINY' ? tiny : a)));
    expect(result.err).toBe(sentence);
    expect(result.code).toBe(code);
  });
});

describe('terminal escapes from files are shown, not obeyed', () => {
  it('escapes control characters in the graph name, ids and load errors', async () => {
    const evil = join(work, 'evil.graph.json');
    const graph = { ...tinyReferenceGraph(), name: 'evil\u001b]0;pwned\u0007\u001b[2J\r' };
    await writeFile(evil, serializeGraphDocument(graph));
    const summary = await cli('summary', evil);
    expect(summary.code).toBe(0);
    expect(summary.out).toContain('Model: "evil\\x1b]0;pwned\\x07\\x1b[2J\\r"');
    const badId = join(work, 'evil-id.graph.json');
    const text = serializeGraphDocument(tinyReferenceGraph()).replace(
      '"id": "image"',
      '"id": "im\\u001b[2Jage"',
    );
    await writeFile(badId, text);
    const failed = await cli('summary', badId);
    expect(failed.err).toContain("('im\\x1b[2Jage').id");
    const raw = (t: string) => [...t].filter((c) => c < ' ' && c !== '\n');
    for (const t of [summary.out, summary.err, failed.err]) expect(raw(t)).toEqual([]);
  });
});

describe('signals', () => {
  it('a closed terminal (SIGHUP) stops train like Ctrl-C: run marked stopped, epochs kept, exit 129', async () => {
    const out = join(work, 'hangup');
    const cli = join(root, 'main/cli/index.ts');
    const args = ['train', tiny, '--json', '--epochs', '500', '--limit', '60', '--out', out];
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args, '--backend', 'wasm'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"type":"epoch"') && !child.killed) child.kill('SIGHUP');
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string });
    expect(lines.at(-1)).toMatchObject({ type: 'done', status: 'stopped' });
    // 128 + SIGHUP's 1, as a shell reports it: a script can tell a stopped run from a finished one.
    expect(code).toBe(129);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.status).toBe('stopped');
    expect(manifest.epochsCompleted).toBeGreaterThan(0);
  });

  it('a kill (SIGTERM) stops train with exit code 143, not 0', async () => {
    const cli = join(root, 'main/cli/index.ts');
    const args = ['train', tiny, '--json', '--epochs', '500', '--limit', '60'];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, ...args, '--out', join(work, 'killed'), '--backend', 'wasm'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"type":"started"') && !child.killed) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stdout.trim().split('\n').at(-1)).toMatch(/"type":"done","status":"stopped"/);
    expect(code).toBe(143);
  });
});
