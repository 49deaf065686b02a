import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SplitMetrics } from '../../core/contract/training.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { GRAPH_FILE, METRICS_FILE, RUN_FILE, type RunManifest } from './run-manifest.ts';

/** Run folders as a finished or interrupted run leaves them, written without training, for tests. */

const split = (loss: number): SplitMetrics => ({
  loss,
  samples: 40,
  tasks: { class: { loss: loss / 2, accuracy: 0.5 }, box: { loss: loss / 2, meanIoU: 0.4 } },
});

export const epochEntry = (epoch: number, epochs: number) => ({
  type: 'epoch' as const,
  epoch,
  epochs,
  train: split(2 / epoch),
  val: split(2.2 / epoch),
  samplesPerSec: 100,
  seconds: 1.5,
  backend: 'wasm' as const,
});

export const testMetrics = split(1.1);

/** A kept run with `epochsCompleted` epochs of history; `test` only for a finished run. */
export async function writeRunFolder(
  runsDir: string,
  runId: string,
  options: {
    createdAt?: string;
    status?: RunManifest['status'];
    epochs?: number;
    /** Metrics of the test split and of each epoch's validation, instead of the fixed ones. */
    test?: SplitMetrics;
    val?: (epoch: number) => SplitMetrics;
  } = {},
): Promise<string> {
  const graph = tinyReferenceGraph();
  const status = options.status ?? 'finished';
  const epochs = options.epochs ?? 2;
  const dir = join(runsDir, runId);
  await mkdir(join(dir, 'model'), { recursive: true });
  const manifest: RunManifest = {
    format: 'multitask-studio/run',
    version: 1,
    id: runId,
    createdAt: options.createdAt ?? '2024-05-01T10:00:00.000Z',
    graphName: graph.name,
    dataset: {
      name: 'shapes',
      seed: 1,
      limit: 60,
      imageShape: [16, 16, 3],
      sizes: { train: 40, validation: 10, test: 10 },
    },
    settings: { ...graph.training, epochs },
    backend: { name: 'wasm', description: 'WebAssembly', fallbacks: [] },
    status,
    epochsCompleted: epochs,
  };
  const history = Array.from({ length: epochs }, (_, i) => ({
    ...epochEntry(i + 1, epochs),
    ...(options.val ? { val: options.val(i + 1) } : {}),
  }));
  await writeFile(join(dir, RUN_FILE), JSON.stringify(manifest));
  await writeFile(join(dir, GRAPH_FILE), JSON.stringify(graph));
  await writeFile(
    join(dir, METRICS_FILE),
    JSON.stringify({ history, ...(status === 'finished' ? { test: options.test ?? testMetrics } : {}) }),
  );
  return dir;
}
