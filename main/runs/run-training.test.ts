import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { openRunFolder } from './run-folder.ts';
import { runTraining } from './run-training.ts';

describe('runTraining', () => {
  it('keeps every finished epoch when a run is stopped', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'mts-run-')), 'stopped');
    const controller = new AbortController();
    const outcome = await runTraining({
      graph: tinyReferenceGraph(),
      name: 'tiny · run 1',
      overrides: { epochs: 3, limit: 60 },
      out,
      backend: 'wasm',
      signal: controller.signal,
      batchEventIntervalMs: 0,
      onEvent: (e) => {
        if (e.type === 'batch' && e.epoch === 2 && !controller.signal.aborted) {
          // The host renames the run while it trains: the last write of run.json keeps it.
          const path = join(out, 'run.json');
          const manifest = JSON.parse(readFileSync(path, 'utf8')) as { name?: string };
          expect(manifest.name).toBe('tiny · run 1');
          writeFileSync(path, JSON.stringify({ ...manifest, name: 'renamed while training' }));
          controller.abort();
        }
      },
    });
    expect(outcome.status).toBe('stopped');
    const run = await openRunFolder(out);
    expect(run.manifest).toMatchObject({
      status: 'stopped',
      epochsCompleted: 1,
      name: 'renamed while training',
    });
    expect(run.manifest.dataset).toMatchObject({ name: 'digits', limit: 60, imageShape: [16, 16, 3] });
    expect(run.graph.name).toBe('tiny reference');
    expect(await readdir(join(out, 'model'))).toEqual(['model.json', 'weights.bin']);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.history).toHaveLength(1);
    expect(metrics.test).toBeUndefined();
  });

  it('checks the dataset binding before creating anything', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'mts-run-')), 'never');
    await expect(
      runTraining({ graph: tinyReferenceGraph(), overrides: { dataset: 'shapes' }, out, backend: 'wasm' }),
    ).rejects.toThrow("Classification head 'class_out' has 10 outputs but the target 'class' in the shapes dataset has 5 classes");
    await expect(readdir(out)).rejects.toThrow();
  });
});
