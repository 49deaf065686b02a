import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readWeightsFile } from './weights-file.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-weights-'));
});

/** A model folder whose manifest names `paths` for one float32 weight of shape [2, 3] (24 bytes). */
async function modelWith(name: string, paths: string[], bin?: Uint8Array): Promise<string> {
  const dir = join(work, name, 'model');
  await mkdir(dir, { recursive: true });
  const weights = [{ name: 'fc/kernel', shape: [2, 3], dtype: 'float32' }];
  await writeFile(join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths, weights }] }));
  if (bin) await writeFile(join(dir, 'weights.bin'), bin);
  return join(dir, 'model.json');
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'read',
    (e: Error) => e.message,
  );

describe('the weight files a model.json names', () => {
  it('reads weights that sit beside the model.json and hold what the manifest declares', async () => {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const path = await modelWith('good', ['weights.bin'], new Uint8Array(values.buffer));
    const weights = await readWeightsFile(path);
    expect([...(weights.get('fc/kernel')?.values ?? [])]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a path out of the model’s folder (../../../etc/passwd, ../../../dev/zero)', async () => {
    for (const [name, outside] of [
      ['passwd', '../../../../../../../../etc/passwd'],
      ['zero', '../../../../../../../../dev/zero'],
      ['absolute', '/etc/passwd'],
    ] as const) {
      const path = await modelWith(name, [outside]);
      expect(await refusal(readWeightsFile(path))).toBe(
        `The weightsManifest of ${path} names '${outside}', which is not a file in the model's folder ${join(work, name, 'model')}; weight files must sit beside the model.json.`,
      );
    }
  });

  it.runIf(process.platform === 'linux')('refuses a pipe or a device as a weights file at once', async () => {
    const path = await modelWith('pipe', ['weights.bin']);
    execFileSync('mkfifo', [join(work, 'pipe', 'model', 'weights.bin')]);
    expect(await refusal(readWeightsFile(path))).toBe(
      `${join(work, 'pipe', 'model', 'weights.bin')} is a pipe, not a weights file.`,
    );
    const device = await modelWith('device', ['../../../../../../../../dev/zero']);
    expect(await refusal(readWeightsFile(device))).toMatch(/is not a file in the model's folder/);
  });

  it('names a cut or padded weights file with its size and the size declared', async () => {
    const cut = await modelWith('cut', ['weights.bin'], new Uint8Array(22));
    expect(await refusal(readWeightsFile(cut))).toBe(
      `${join(work, 'cut', 'model', 'weights.bin')} is 22 bytes, but the weightsManifest of ${cut} declares 24: the file is cut short.`,
    );
    const padded = await modelWith('padded', ['weights.bin'], new Uint8Array(28));
    expect(await refusal(readWeightsFile(padded))).toBe(
      `${join(work, 'padded', 'model', 'weights.bin')} is 28 bytes, but the weightsManifest of ${padded} declares 24: the file is longer than declared.`,
    );
  });

  it('reads a converter’s shards as one, and names them when together they differ', async () => {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const shards = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    const path = await modelWith('shards', shards);
    const dir = join(work, 'shards', 'model');
    await writeFile(join(dir, shards[0]!), new Uint8Array(values.buffer, 0, 16));
    await writeFile(join(dir, shards[1]!), new Uint8Array(values.buffer, 16, 8));
    expect([...((await readWeightsFile(path)).get('fc/kernel')?.values ?? [])]).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    await writeFile(join(dir, shards[1]!), new Uint8Array(4));
    expect(await refusal(readWeightsFile(path))).toBe(
      `The weight files ${shards.map((s) => join(dir, s)).join(', ')} are 20 bytes together, but the weightsManifest of ${path} declares 24: they are cut short.`,
    );
  });
});
