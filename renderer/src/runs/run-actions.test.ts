import { describe, expect, it, vi } from 'vitest';
import { asRunId } from '../../../core/ids.ts';
import { exportRun, renameRun, startRun, stopRun } from './run-actions.ts';
import { createRunStore } from './run-store.ts';
import { graph } from './test-events.ts';

describe('run actions', () => {
  it('start sends a copy of the document and later edits do not reach the run', async () => {
    const store = createRunStore();
    let doc = structuredClone(graph);
    const host = { startRun: vi.fn(async () => ({ runId: 'r1' })) };
    const pending = startRun(host, () => doc, store);
    expect(store.getState().starting).toBe(true);
    doc = { ...doc, name: 'Edited while starting' };
    await pending;
    const sent = host.startRun.mock.calls[0] as unknown as [{ graph: unknown; settings: unknown }];
    // The name the panel shows travels with the request, so the run folder keeps it.
    expect(sent[0]).toEqual({ graph, settings: {}, name: 'Keras reference · run 1' });
    const run = store.getState().runs[0];
    expect(run?.graph).toEqual(graph);
    expect(run?.label).toBe('Keras reference · run 1');
    expect(run?.settings).toEqual(graph.training);
    expect(store.getState()).toMatchObject({ starting: false, activeRunId: 'r1' });
  });

  it('shows the host’s refusal as a sentence and adds no run', async () => {
    const store = createRunStore();
    const host = {
      startRun: vi.fn(async () => {
        throw new Error("The dataset 'faces' does not exist; choose digits or shapes.");
      }),
    };
    await startRun(host, () => graph, store);
    expect(store.getState()).toMatchObject({
      starting: false,
      error: "The dataset 'faces' does not exist; choose digits or shapes.",
      runs: [],
    });
  });

  it('names a run after the graph file in the request and the panel alike', async () => {
    const store = createRunStore();
    const host = { startRun: vi.fn(async () => ({ runId: 'r1' })) };
    await startRun(host, () => graph, store, () => 'my-model');
    expect(host.startRun.mock.calls[0]).toEqual([
      { graph, settings: {}, name: 'my-model · run 1' },
    ]);
    expect(store.getState().runs[0]?.label).toBe('my-model · run 1');
  });

  it('renames at once, asks the host to keep it, and takes it back when the host refuses', async () => {
    const store = createRunStore();
    const runId = asRunId('r1');
    store.getState().addRun({ runId, graph, settings: graph.training });
    store.getState().setSavedRuns([
      {
        runId: 'r1',
        graphName: graph.name,
        createdAt: '',
        status: 'finished',
        epochsCompleted: 1,
        epochs: 1,
        dataset: 'digits',
      },
    ]);
    let answer: () => void = () => {};
    const host = {
      renameRun: vi.fn(() => new Promise<void>((resolve) => (answer = resolve))),
    };
    const pending = renameRun(host, runId, '  faster rate ', store);
    expect(store.getState().runs[0]?.label).toBe('faster rate');
    answer();
    await pending;
    expect(host.renameRun).toHaveBeenCalledWith('r1', 'faster rate');
    expect(store.getState().savedRuns[0]?.name).toBe('faster rate');

    // Blank or unchanged: nothing to ask.
    await renameRun(host, runId, '   ', store);
    await renameRun(host, runId, 'faster rate', store);
    expect(host.renameRun).toHaveBeenCalledTimes(1);

    const refusing = {
      renameRun: vi.fn(async () => {
        throw new Error('The run cannot be named so: a run name has at most 120 characters.');
      }),
    };
    await renameRun(refusing, runId, 'x'.repeat(121), store);
    expect(store.getState().runs[0]?.label).toBe('faster rate');
    expect(store.getState().savedRuns[0]?.name).toBe('faster rate');
    expect(store.getState().error).toBe(
      'The run cannot be named so: a run name has at most 120 characters.',
    );
  });

  it('stop marks the run as stopping; a failed stop or export shows why', async () => {
    const store = createRunStore();
    const runId = asRunId('r1');
    store.getState().addRun({ runId, graph, settings: graph.training });
    await stopRun({ stopRun: vi.fn(async () => undefined) }, runId, store);
    expect(store.getState().runs[0]?.stopping).toBe(true);
    await exportRun(
      {
        exportRun: vi.fn(async () => {
          throw new Error('Run r1 has no model yet.');
        }),
      },
      runId,
      undefined,
      store,
    );
    expect(store.getState().error).toBe('Run r1 has no model yet.');
  });
});
