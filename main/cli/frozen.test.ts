import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './test-cli.ts';

const frozen = join(import.meta.dirname, '../../core/graph/fixtures/valid-frozen-trunk.graph.json');

describe('frozen nodes on the command line', () => {
  it("summary counts frozen weights as non-trainable and marks each layer, as Keras' show_trainable does", async () => {
    const { code, out } = await cli('summary', frozen);
    expect(code).toBe(0);
    expect(out).toContain(
      'Total params: 2,294\nTrainable params: 126\nNon-trainable params: 2,168\n',
    );
    expect(out).toMatch(/\bTrainable\n/);
    expect(out).toMatch(/conv \(Conv2D.*\bN\n/);
    expect(out).toMatch(/cls \(ClassificationHead.*\bY\n/);
    const json = JSON.parse((await cli('summary', frozen, '--json')).out) as {
      nodes: { id: string; trainable: boolean | null }[];
      trainableParameters: number;
    };
    expect(json.trainableParameters).toBe(126);
    expect(json.nodes.map((n) => [n.id, n.trainable])).toContainEqual(['pool', null]);
    expect(json.nodes.map((n) => [n.id, n.trainable])).toContainEqual(['fc', false]);
  });

  it('trains the two phases from the flags, and names a node that is not frozen', async () => {
    const work = await mkdtemp(join(tmpdir(), 'mts-cli-frozen-'));
    const refused = await cli('train', frozen, '--unfreeze-at', '2', '--unfreeze', 'cls');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain(
      "Unfreeze names Classification head 'cls', which is not frozen; freeze it or leave it out of the list.",
    );
    const run = join(work, 'run');
    const { code, out } = await cli(
      'train',
      frozen,
      '--json',
      '--epochs',
      '2',
      '--limit',
      '30',
      '--backend',
      'wasm',
      '--out',
      run,
      '--unfreeze-at',
      '2',
      '--unfreeze',
      'fc',
      '--unfreeze-lr',
      '1e-4',
    );
    expect(code).toBe(0);
    const epochs = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; learningRate?: number; unfrozen?: string[] })
      .filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => [e.learningRate, e.unfrozen])).toEqual([
      [0.001, undefined],
      [1e-4, ['fc']],
    ]);
    const manifest = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as {
      settings: Record<string, unknown>;
    };
    expect(manifest.settings).toMatchObject({
      unfreezeAt: 2,
      unfreeze: 'fc',
      unfreezeLearningRate: 1e-4,
    });
  }, 60_000);
});
