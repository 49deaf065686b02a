import { describe, expect, it, vi } from 'vitest';
import type { SavedRun } from '../../../core/contract/host.ts';
import { loadGraphDocument } from '../../../core/graph/load.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { earlierRunGraph, exportRun, openEarlierRun } from './run-actions.ts';
import { findRun, hasModel } from './run-reducer.ts';
import { createRunStore } from './run-store.ts';
import { INTERRUPTED, savedRunEvents } from './saved-run.ts';
import { epoch, settings, split } from './test-events.ts';

const loaded = loadGraphDocument({
  format: 'multitask-studio/graph',
  version: 1,
  name: 'Two heads',
  nodes: [
    { id: 'image', kind: 'Input', params: { height: 8, width: 8, channels: 1 } },
    { id: 'flatten', kind: 'Flatten', params: {} },
    {
      id: 'class_output',
      kind: 'ClassificationHead',
      params: { task: 'class', target: 'class', classes: 10 },
    },
    { id: 'box_output', kind: 'BoxHead', params: { task: 'box', target: 'box' } },
  ],
  edges: [
    { id: 'e1', source: 'image', target: 'flatten' },
    { id: 'e2', source: 'flatten', target: 'class_output' },
    { id: 'e3', source: 'flatten', target: 'box_output' },
  ],
  training: settings,
});
if (!loaded.ok) throw loaded.error;
const graph: GraphDocument = loaded.document;

const epochEvent = (n: number) => {
  const e = epoch(n);
  if (e.type !== 'run' || e.event.type !== 'epoch') throw new Error('not an epoch');
  return e.event;
};

const saved = (over: Partial<SavedRun['info']> = {}): SavedRun => ({
  info: {
    runId: 'kept-1',
    graphName: 'Two heads',
    createdAt: '2024-05-03T14:05:00.000Z',
    status: 'finished',
    epochsCompleted: 2,
    epochs: 2,
    dataset: 'digits',
    test: split(0.5),
    ...over,
  },
  graph,
  settings,
  backend: { name: 'wasm', description: 'WebAssembly', fallbacks: [] },
  datasetSizes: { train: 800, validation: 100, test: 100 },
  history: [epochEvent(1), epochEvent(2)],
  gallery: [],
});

describe('earlier runs through the run reducer', () => {
  it('builds a finished run with its epochs, tasks and test metrics', async () => {
    const store = createRunStore();
    const host = { openRun: vi.fn(async () => saved()) };
    await openEarlierRun(host, saved().info, store);
    const state = store.getState();
    const run = findRun(state, 'kept-1');
    expect(state.selectedRunId).toBe('kept-1');
    expect(state.activeRunId).toBeUndefined();
    expect(run).toMatchObject({ status: 'finished', earlier: true, test: split(0.5) });
    expect(run?.label).toMatch(/^Two heads · /);
    expect(run?.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(run?.started?.tasks.map((t) => t.task)).toEqual(['class', 'box']);
    expect(run?.started?.batchesPerEpoch).toBe(25);
    expect(run?.end).toEqual({ type: 'finished', epochs: 2, seconds: 32 });
    expect(run && hasModel(run)).toBe(true);

    // The gallery kept in the run folder comes back with it.
    const sample = {
      width: 1,
      height: 1,
      channels: 1,
      pixels: 'AA==',
      heads: [{ task: 'box', targetKind: 'box' as const, truth: [0, 0, 1, 1], prediction: [0, 0, 1, 1] }],
    };
    const withGallery = savedRunEvents({ ...saved(), gallery: [sample] }, graph);
    expect(withGallery.find((e) => e.type === 'run-result')).toMatchObject({ gallery: [sample] });

    // Opening it again only shows it.
    await openEarlierRun(host, saved().info, store);
    expect(host.openRun).toHaveBeenCalledTimes(1);
    expect(store.getState().runs).toHaveLength(1);
  });

  it('keeps a failed run’s sentence, and says a run left "running" was interrupted', () => {
    const failed = savedRunEvents(
      saved({ status: 'failed', message: 'The loss became NaN.', test: undefined }),
      graph,
    );
    expect(failed.at(-1)).toEqual({
      type: 'run-ended',
      runId: 'kept-1',
      status: 'failed',
      message: 'The loss became NaN.',
    });
    expect(failed.some((e) => e.type === 'run-result')).toBe(false);
    const interrupted = savedRunEvents(saved({ status: 'running', test: undefined }), graph);
    expect(interrupted.at(-1)).toMatchObject({ status: 'stopped', message: INTERRUPTED });
  });

  it('shows the host’s refusal, and can be exported by id like a session run', async () => {
    const store = createRunStore();
    await openEarlierRun(
      {
        openRun: vi.fn(async () => {
          throw new Error("There is no run 'kept-1'.");
        }),
      },
      saved().info,
      store,
    );
    expect(store.getState()).toMatchObject({ error: "There is no run 'kept-1'.", runs: [] });
    const exportHost = { exportRun: vi.fn(async () => undefined) };
    await openEarlierRun({ openRun: async () => saved() }, saved().info, store);
    await exportRun(exportHost, store.getState().runs[0]!.runId, { format: 'onnx', checkpoint: 'best' }, store);
    expect(exportHost.exportRun).toHaveBeenCalledWith('kept-1', { format: 'onnx', checkpoint: 'best' });
  });

  it('reads the run’s graph for the editor, or says why it cannot', async () => {
    const store = createRunStore();
    await expect(earlierRunGraph({ openRun: async () => saved() }, 'kept-1', store)).resolves.toEqual(
      graph,
    );
    const broken = { ...saved(), graph: { format: 'something else' } };
    await expect(earlierRunGraph({ openRun: async () => broken }, 'kept-1', store)).resolves.toBe(
      undefined,
    );
    expect(store.getState().error).toMatch(/^The graph of the run 'kept-1' cannot be read: /);
  });
});
