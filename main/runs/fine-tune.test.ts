import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EpochEvent } from '../../core/contract/training.ts';
import type { GraphDocument, TrainingSettings } from '../../core/graph/schema.ts';
import { graphOf } from '../engine/test-graphs.ts';
import { LAST_DIR, MODEL_DIR, MODEL_FILE, WEIGHTS_FILE } from './run-manifest.ts';
import { resumeTraining, runTraining } from './run-training.ts';

/** A trunk with a BatchNormalization (its moving statistics are weights too) and two heads. */
function trunkGraph(frozen: boolean, training: Partial<TrainingSettings> = {}): GraphDocument {
  const trainable = frozen ? { trainable: false } : {};
  return graphOf(
    'fine-tune',
    [
      { id: 'image', kind: 'Input', params: { height: 16, width: 16, channels: 3 } },
      { id: 'conv', kind: 'Conv2D', params: { filters: 4, kernelSize: 3, ...trainable } },
      { id: 'bn', kind: 'BatchNormalization', params: { ...trainable } },
      { id: 'pool', kind: 'MaxPooling2D', params: {} },
      { id: 'flat', kind: 'Flatten', params: {} },
      { id: 'fc', kind: 'Dense', params: { units: 16, ...trainable } },
      { id: 'class_out', kind: 'ClassificationHead', params: { task: 'class', classes: 10 } },
      { id: 'box_out', kind: 'BoxHead', params: { task: 'box' } },
    ],
    [
      ['image', 'conv'],
      ['conv', 'bn'],
      ['bn', 'pool'],
      ['pool', 'flat'],
      ['flat', 'fc'],
      ['fc', 'class_out'],
      ['fc', 'box_out'],
    ],
    { learningRate: 0.003, batchSize: 8, epochs: 4, seed: 3, dataset: 'digits', limit: 30, ...training },
  );
}

/** Each weight's bytes in a saved model folder, by its name (`conv/kernel`, `bn/moving_mean`). */
function weightBytes(dir: string): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(dir, MODEL_FILE), 'utf8')) as {
    weightsManifest: { weights: { name: string; shape: number[] }[] }[];
  };
  const bytes = readFileSync(join(dir, WEIGHTS_FILE));
  const out = new Map<string, string>();
  let offset = 0;
  for (const w of manifest.weightsManifest.flatMap((g) => g.weights)) {
    const size = w.shape.reduce((a, b) => a * b, 1) * 4;
    out.set(w.name, bytes.subarray(offset, offset + size).toString('hex'));
    offset += size;
  }
  return out;
}

const TRUNK = ['conv/kernel', 'conv/bias', 'bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance', 'fc/kernel', 'fc/bias'];
const HEADS = ['class_out/kernel', 'class_out/bias', 'box_out/kernel', 'box_out/bias'];

describe('fine-tuning a frozen trunk in one run', () => {
  it('trains only the heads until the unfreeze epoch, then everything, and resumes across it exactly', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-finetune-'));
    // The trained model a fine-tune starts from (as an imported model.json would be).
    const pre = await runTraining({
      graph: trunkGraph(false, { epochs: 1 }),
      out: join(root, 'pre'),
      backend: 'wasm',
    });
    expect(pre.status).toBe('finished');
    const start = weightBytes(join(pre.dir, MODEL_DIR));

    const graph = trunkGraph(true, {
      initialWeights: join(pre.dir, MODEL_DIR, MODEL_FILE),
      unfreezeAt: 3,
      unfreeze: 'all',
      unfreezeLearningRate: 0.001,
      balancing: { method: 'pcgrad', params: {}, probesPerEpoch: 2 },
    });
    const perEpoch: Map<string, string>[] = [];
    const events: EpochEvent[] = [];
    const whole = await runTraining({
      graph,
      out: join(root, 'whole'),
      backend: 'wasm',
      onEvent: (e) => {
        if (e.type !== 'epoch') return;
        events.push(e);
        perEpoch.push(weightBytes(join(root, 'whole', LAST_DIR)));
      },
    });
    expect(whole.status).toBe('finished');
    expect(perEpoch).toHaveLength(4);
    const [e1, e2, e3, e4] = perEpoch as [Map<string, string>, ...Map<string, string>[]];
    // Epochs 1 and 2: the frozen trunk keeps the starting bytes, BatchNormalization's moving
    // statistics included (inference mode); the heads learn.
    for (const name of TRUNK) {
      expect(e1.get(name), name).toBe(start.get(name));
      expect(e2?.get(name), name).toBe(start.get(name));
    }
    for (const name of HEADS) {
      expect(e1.get(name), name).not.toBe(start.get(name));
      expect(e2?.get(name), name).not.toBe(e1.get(name));
    }
    // From epoch 3 every weight trains.
    for (const name of [...TRUNK, ...HEADS]) {
      expect(e3?.get(name), name).not.toBe(e2?.get(name));
      expect(e4?.get(name), name).not.toBe(e3?.get(name));
    }
    expect(events.map((e) => e.unfrozen)).toEqual([undefined, undefined, ['conv', 'bn', 'fc'], undefined]);
    expect(events.map((e) => e.learningRate)).toEqual([0.003, 0.003, 0.001, 0.001]);
    // PCGrad has no trunk gradient while the trunk is frozen, and says so instead of 0 / 0.
    expect(events[0]?.trunkNote).toBe(
      "The shared trunk was frozen (Conv2D 'conv', BatchNormalization 'bn', Dense 'fc'), so it had no gradient: pcgrad stepped each head on its own task's loss and no gradient conflicts were measured while it was.",
    );
    expect(events[0]?.diagnostics).toBeUndefined();
    expect(events[2]?.trunkNote).toBeUndefined();
    expect(events[2]?.diagnostics?.conflictShare).toBeGreaterThanOrEqual(0);

    // Stopped after epoch 2 (still frozen) or 3 (unfrozen), resumed to 4: the same run.
    const metrics = async (dir: string) =>
      (
        JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')) as { history: EpochEvent[] }
      ).history.map((e) => [e.train.loss, e.val.loss]);
    const want = await metrics(join(root, 'whole'));
    for (const stopAt of [2, 3]) {
      const out = join(root, `parts-${stopAt}`);
      const controller = new AbortController();
      const stopped = await runTraining({
        graph,
        out,
        backend: 'wasm',
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'epoch' && e.epoch === stopAt) controller.abort();
        },
      });
      expect(stopped.status).toBe('stopped');
      const resumed = await resumeTraining({ dir: out, backend: 'wasm' });
      expect(resumed.status).toBe('finished');
      const got = await metrics(out);
      expect(got).toHaveLength(4);
      got.forEach((epoch, i) =>
        epoch.forEach((v, k) => expect(v).toBeCloseTo(want[i]?.[k] as number, 5)),
      );
      expect(weightBytes(join(out, LAST_DIR))).toEqual(e4);
    }
  }, 240_000);
});
