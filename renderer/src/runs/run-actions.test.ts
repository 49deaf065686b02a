import { describe, expect, it, vi } from 'vitest';
import { asRunId } from '../../../core/ids.ts';
import { exportRun, startRun, stopRun } from './run-actions.ts';
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
    expect(sent[0]).toEqual({ graph, settings: {} });
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
