import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { writeTrainedRun } from '../export/test-exports.ts';
import { runTraining } from './run-training.ts';
import { readWeightsFile } from './weights-file.ts';

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-start-'));
});

const largestChange = (a: Map<string, { values: Float32Array }>, b: typeof a) =>
  Math.max(
    ...[...a].map(([name, w]) =>
      Math.max(...w.values.map((v, i) => Math.abs(v - (b.get(name)?.values[i] ?? Infinity)))),
    ),
  );

describe('starting a run from the weights of a model', () => {
  it('starts from the model’s weights (matched by layer name), or says why it cannot', async () => {
    const source = join(work, 'source');
    await writeTrainedRun(tinyReferenceGraph(), source);
    const start = join(source, 'model', 'model.json');
    // A learning rate too small to move anything: the saved model is where training started.
    const overrides = { epochs: 1, limit: 30, optimizer: 'sgd', momentum: 0, learningRate: 1e-9 } as const;
    for (const [name, initialWeights, near] of [
      ['from-model', start, true],
      ['fresh', undefined, false],
    ] as const) {
      const out = join(work, name);
      const outcome = await runTraining({
        graph: tinyReferenceGraph(),
        overrides: { ...overrides, ...(initialWeights ? { initialWeights } : {}) },
        out,
        backend: 'wasm',
      });
      expect(outcome.status).toBe('finished');
      const change = largestChange(await readWeightsFile(start), await readWeightsFile(join(out, 'model', 'model.json')));
      if (near) expect(change).toBeLessThan(1e-5);
      else expect(change).toBeGreaterThan(0.01);
    }
    await expect(
      runTraining({
        graph: tinyReferenceGraph({ classes: 5 }),
        overrides: { ...overrides, dataset: 'shapes', initialWeights: start },
        out: join(work, 'mismatch'),
        backend: 'wasm',
      }),
    ).rejects.toThrow(`The starting weight 'class_out/kernel' in ${start} is [32, 10], but the graph's is [32, 5].`);
  }, 60_000);
});
