import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { savedRunInfoSchema, savedRunSchema } from '../../core/contract/host.ts';
import { METRICS_FILE, RUN_FILE } from './run-manifest.ts';
import { listSavedRuns, loadSavedRun } from './saved-runs.ts';
import { testMetrics, writeRunFolder } from './test-run-folders.ts';

let runsDir: string;
beforeEach(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'mts-saved-runs-'));
});
afterEach(() => rm(runsDir, { recursive: true, force: true }));

describe('listSavedRuns', () => {
  it('lists run folders newest first and skips what is not a readable run', async () => {
    await writeRunFolder(runsDir, 'older', { createdAt: '2024-05-01T10:00:00.000Z' });
    await writeRunFolder(runsDir, 'newer', {
      createdAt: '2024-05-02T10:00:00.000Z',
      status: 'stopped',
      epochs: 1,
    });
    const broken = await writeRunFolder(runsDir, 'broken');
    await writeFile(join(broken, RUN_FILE), '{ "format": "multitask-studio/run", ');
    await mkdir(join(runsDir, 'notes'));
    await writeFile(join(runsDir, 'notes', 'readme.txt'), 'not a run');
    await writeFile(join(runsDir, 'tiny.graph.json'), '{}');
    const skipped: string[] = [];

    const runs = await listSavedRuns(runsDir, (folder) => skipped.push(folder));

    expect(runs.map((r) => r.runId)).toEqual(['newer', 'older']);
    expect(skipped.sort()).toEqual(['broken', 'notes']);
    expect(runs[1]).toEqual({
      runId: 'older',
      graphName: 'tiny reference',
      createdAt: '2024-05-01T10:00:00.000Z',
      status: 'finished',
      epochsCompleted: 2,
      epochs: 2,
      dataset: 'shapes',
      balancing: 'fixed',
      test: testMetrics,
    });
    expect(runs[0]).toMatchObject({ status: 'stopped', epochsCompleted: 1 });
    expect(runs[0]?.test).toBeUndefined();
    for (const run of runs) expect(savedRunInfoSchema.parse(run)).toEqual(run);
  });

  it('keeps a run whose metrics.json is broken, without its test metrics', async () => {
    const dir = await writeRunFolder(runsDir, 'r1');
    await writeFile(join(dir, METRICS_FILE), 'not json');
    const runs = await listSavedRuns(runsDir);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.test).toBeUndefined();
  });

  it('has no runs when the runs folder does not exist yet', async () => {
    await expect(listSavedRuns(join(runsDir, 'missing'))).resolves.toEqual([]);
  });
});

describe('loadSavedRun', () => {
  it('reads the manifest, graph, epoch history and test metrics', async () => {
    const dir = await writeRunFolder(runsDir, 'r1', { epochs: 3 });
    // A history entry that is not an epoch event is left out, not fatal.
    const metrics = JSON.parse(await readFile(join(dir, METRICS_FILE), 'utf8')) as {
      history: unknown[];
    };
    metrics.history.push({ type: 'epoch', epoch: 'four' });
    await writeFile(join(dir, METRICS_FILE), JSON.stringify(metrics));

    const run = await loadSavedRun(runsDir, 'r1');

    expect(savedRunSchema.parse(run)).toEqual(run);
    expect(run.info).toMatchObject({ runId: 'r1', status: 'finished', test: testMetrics });
    expect(run.history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect((run.graph as { name: string }).name).toBe('tiny reference');
    expect(run.settings.epochs).toBe(3);
    expect(run.datasetSizes).toEqual({ train: 40, validation: 10, test: 10 });
  });

  it('says which file is wrong, and refuses ids that are not run folder names', async () => {
    const dir = await writeRunFolder(runsDir, 'r1');
    await writeFile(join(dir, RUN_FILE), '{}');
    await expect(loadSavedRun(runsDir, 'r1')).rejects.toThrow(/run\.json is not a valid run/);
    await expect(loadSavedRun(runsDir, '../r1')).rejects.toThrow("There is no run '../r1'.");
    await expect(loadSavedRun(runsDir, 'nope')).rejects.toThrow("There is no run 'nope'.");
  });
});
