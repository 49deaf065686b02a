import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.ts';
import { tf } from '../tf.ts';
import {
  loadOptimizerState,
  OPTIMIZER_WEIGHTS_FILE,
  saveOptimizerState,
} from './optimizer-state.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

/** An Adam optimizer that has taken one step on a 3-value variable, saved into a new folder. */
async function savedAdam(): Promise<{ dir: string; variable: tf.Variable }> {
  const dir = await mkdtemp(join(tmpdir(), 'mts-optimizer-'));
  const variable = tf.variable(tf.tensor1d([1, 2, 3]));
  const optimizer = tf.train.adam(0.1);
  optimizer.minimize(() => variable.square().sum());
  await saveOptimizerState(optimizer, dir);
  optimizer.dispose();
  return { dir, variable };
}

describe('the optimizer state of a checkpoint', () => {
  it('restores what was saved', async () => {
    const { dir, variable } = await savedAdam();
    const restored = tf.train.adam(0.1);
    restored.minimize(() => variable.square().sum());
    await loadOptimizerState(restored, dir);
    const weights = await restored.getWeights();
    expect(weights.map((w) => w.tensor.shape)).toEqual([[], [3], [3]]);
    restored.dispose();
    variable.dispose();
  });

  it('refuses a cut or padded optimizer.bin with its size and the size declared', async () => {
    const { dir, variable } = await savedAdam();
    const bin = join(dir, OPTIMIZER_WEIGHTS_FILE);
    const bytes = await readFile(bin);
    // The step count and two moments of 3 values: 7 values of 4 bytes.
    expect(bytes.length).toBe(28);
    for (const [content, how] of [
      [bytes.subarray(0, 26), '26 bytes, but optimizer.json declares 28: the file is cut short'],
      [
        Buffer.concat([bytes, Buffer.alloc(8)]),
        '36 bytes, but optimizer.json declares 28: the file is longer than declared',
      ],
    ] as const) {
      await writeFile(bin, content);
      const optimizer = tf.train.adam(0.1);
      await expect(loadOptimizerState(optimizer, dir)).rejects.toThrow(`${bin} is ${how}.`);
      optimizer.dispose();
    }
    variable.dispose();
  });
});
