import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { balancingSettingsSchema } from '../../core/balancing/methods.ts';
import { sweepFileSchema } from '../../core/balancing/sweep.ts';
import { serializeGraphDocument } from '../../core/graph/load.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { readBalanceFlags } from './balance-flags.ts';
import { cli } from './test-cli.ts';

const fixed = balancingSettingsSchema.parse({});
let work: string;
let graphFile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-balance-'));
  graphFile = join(work, 'tiny.graph.json');
  await writeFile(graphFile, serializeGraphDocument(tinyReferenceGraph()));
});

describe('--balance and --balance-param', () => {
  it('set the method and its parameters through the schema', () => {
    expect(readBalanceFlags({}, fixed)).toEqual({});
    expect(readBalanceFlags({ balance: 'cagrad', 'balance-param': ['c=0.7'] }, fixed)).toEqual({
      balancing: { method: 'cagrad', params: { c: 0.7 }, probesPerEpoch: 4 },
    });
    expect(
      readBalanceFlags(
        { balance: 'nash-mtl', 'balance-param': ['updateWeightsEvery=4', 'maxNorm=2'] },
        fixed,
      ),
    ).toEqual({
      balancing: {
        method: 'nash-mtl',
        params: { updateWeightsEvery: 4, maxNorm: 2 },
        probesPerEpoch: 4,
      },
    });
    expect(() =>
      readBalanceFlags({ balance: 'nash-mtl', 'balance-param': ['optimNiter=2.5'] }, fixed),
    ).toThrow('--balance-param optimNiter: must be a whole number.');
  });

  it('refuse unknown methods, parameters and values out of bounds with one sentence', () => {
    expect(() => readBalanceFlags({ balance: 'magic' }, fixed)).toThrow(
      /--balance must be one of fixed, uncertainty, dwa/,
    );
    expect(() => readBalanceFlags({ balance: 'dwa', 'balance-param': ['c=1'] }, fixed)).toThrow(
      "dwa has no parameter 'c'; its parameters are temperature.",
    );
    expect(() =>
      readBalanceFlags({ balance: 'dwa', 'balance-param': ['temperature=0'] }, fixed),
    ).toThrow(/--balance-param temperature: .*0\.1/);
    expect(() =>
      readBalanceFlags({ balance: 'dwa', 'balance-param': ['temperature'] }, fixed),
    ).toThrow("--balance-param takes key=number, not 'temperature'.");
  });

  it('train --json carries weights and diagnostics on every epoch line, and checkpoints balancing.json', async () => {
    const out = join(work, 'run-famo');
    const { code, out: text } = await cli(
      'train',
      graphFile,
      '--balance',
      'famo',
      '--epochs',
      '2',
      '--limit',
      '60',
      '--json',
      '--out',
      out,
    );
    expect(code).toBe(0);
    const epochs = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; weights?: unknown; diagnostics?: unknown })
      .filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(2);
    for (const e of epochs) {
      expect(Object.keys(e.weights as object)).toEqual(['class', 'box']);
      expect(e.diagnostics).toMatchObject({ cosine: { 'class|box': expect.any(Number) } });
    }
    const state = JSON.parse(await readFile(join(out, 'balancing.json'), 'utf8'));
    expect(state).toMatchObject({
      method: 'famo',
      state: { logits: [expect.any(Number), expect.any(Number)] },
    });
  });
});

describe('sweep', () => {
  it('trains each method and each task alone, and writes the table', async () => {
    const out = join(work, 'sweep');
    const { code, out: text } = await cli(
      'sweep',
      graphFile,
      '--balance',
      'fixed,pcgrad',
      '--seeds',
      '1',
      '--single-task',
      '--epochs',
      '1',
      '--limit',
      '40',
      '--out',
      out,
    );
    expect(code).toBe(0);
    expect(text).toMatch(/method\s+seeds\s+class accuracy/);
    const file = sweepFileSchema.parse(JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8')));
    expect(file.rows.map((r) => r.method)).toEqual(['fixed', 'pcgrad', 'single-task']);
    expect(file.rows[0]?.relativeTime).toBe(1);
    expect(file.rows[1]?.deltaM).toEqual(expect.any(Number));
    expect(file.rows[2]?.tasks).toHaveProperty('class');
    expect(file.rows[2]?.tasks).toHaveProperty('box');
    expect(await readFile(join(out, 'sweep.md'), 'utf8')).toContain('| fixed | 1 |');
  });

  it('refuses a list with an unknown method before training', async () => {
    const { code, err } = await cli('sweep', graphFile, '--balance', 'fixed,nope');
    expect(code).toBe(2);
    expect(err).toContain('--balance takes a comma-separated list of fixed');
  });
});
