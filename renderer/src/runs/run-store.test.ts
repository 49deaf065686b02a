import { describe, expect, it, vi } from 'vitest';
import type { HostEvent } from '../../../core/contract/host.ts';
import { asRunId } from '../../../core/ids.ts';
import { connectRunStore, createRunStore, nextRunName, type Clock } from './run-store.ts';
import { batch, graph, RUN, settings, started } from './test-events.ts';

/** A host whose events the test emits by hand. */
function fakeHost() {
  const listeners = new Set<(e: HostEvent) => void>();
  return {
    onEvent(listener: (e: HostEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (e: HostEvent) => listeners.forEach((l) => l(e)),
    listeners,
  };
}

/** A clock that runs its timers only when told to. */
function manualClock() {
  let timers: { at: number; run: () => void; id: number }[] = [];
  let now = 0;
  let next = 0;
  const clock: Clock = {
    setTimeout: (run, ms) => {
      timers.push({ at: now + ms, run, id: ++next });
      return next;
    },
    clearTimeout: (id) => (timers = timers.filter((t) => t.id !== id)),
  };
  const advance = (ms: number) => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    timers = timers.filter((t) => t.at > now);
    due.forEach((t) => t.run());
  };
  return { clock, advance };
}

function setup() {
  const store = createRunStore();
  store.getState().addRun({ runId: RUN, graph, settings });
  const host = fakeHost();
  const { clock, advance } = manualClock();
  const updates = vi.fn();
  store.subscribe(updates);
  const disconnect = connectRunStore(host, { store, clock, intervalMs: 120 });
  return { store, host, advance, updates, disconnect };
}

describe('connectRunStore', () => {
  it('applies the events of one interval in one state update', () => {
    const { store, host, advance, updates } = setup();
    host.emit(started());
    for (let step = 1; step <= 20; step++) host.emit(batch(step));
    expect(updates).not.toHaveBeenCalled();
    advance(119);
    expect(updates).not.toHaveBeenCalled();
    advance(1);
    expect(updates).toHaveBeenCalledTimes(1);
    expect(store.getState().runs[0]?.batchSeries.class?.points).toHaveLength(20);

    host.emit(batch(21));
    host.emit(batch(22));
    advance(120);
    expect(updates).toHaveBeenCalledTimes(2);
    expect(store.getState().runs[0]?.progress?.batch).toBe(22);
  });

  it('with fake timers: twenty events a second give at most nine updates a second', () => {
    vi.useFakeTimers();
    try {
      const store = createRunStore();
      store.getState().addRun({ runId: RUN, graph, settings });
      const host = fakeHost();
      const updates = vi.fn();
      store.subscribe(updates);
      connectRunStore(host, { store });
      host.emit(started());
      for (let step = 1; step <= 20; step++) {
        host.emit(batch(step));
        vi.advanceTimersByTime(50);
      }
      expect(updates.mock.calls.length).toBeLessThanOrEqual(9);
      expect(store.getState().runs[0]?.progress?.batch).toBeGreaterThanOrEqual(18);
    } finally {
      vi.useRealTimers();
    }
  });

  it('unsubscribes and applies what is still buffered when disconnected', () => {
    const { store, host, updates, disconnect } = setup();
    host.emit(started());
    disconnect();
    expect(updates).toHaveBeenCalledTimes(1);
    expect(store.getState().runs[0]?.status).toBe('running');
    expect(host.listeners.size).toBe(0);
  });

  it('keeps events that arrive before startRun returns the run id', () => {
    const store = createRunStore();
    const later = asRunId('run-2');
    store.getState().applyEvents([started(later), batch(1, later)]);
    store.getState().addRun({ runId: later, graph, settings });
    const run = store.getState().runs[0];
    expect(run?.status).toBe('running');
    expect(run?.batchSeries.class?.points).toHaveLength(1);
  });
});

describe('run store', () => {
  it('labels runs in start order and shows the newest', () => {
    const store = createRunStore();
    store.getState().addRun({ runId: RUN, graph, settings });
    store.getState().addRun({ runId: asRunId('run-2'), graph, settings });
    const s = store.getState();
    expect(s.runs.map((r) => r.label)).toEqual(['Keras reference · run 1', 'Keras reference · run 2']);
    expect(s.selectedRunId).toBe('run-2');
    expect(s.activeRunId).toBe('run-2');
  });

  it('names runs after the graph file, counting on from the runs kept on disk', () => {
    const store = createRunStore();
    const kept = { graphName: graph.name, createdAt: '', status: 'finished', epochsCompleted: 1, epochs: 1, dataset: 'digits' } as const;
    store.getState().setSavedRuns([
      { ...kept, runId: 'old-1' },
      { ...kept, runId: 'old-2' },
    ]);
    const label = nextRunName('my-model', graph.name, store.getState());
    store.getState().addRun({ runId: RUN, graph, settings, label });
    expect(store.getState().runs[0]?.label).toBe('my-model · run 3');
    store.getState().renameRun(RUN, '  lower learning rate ');
    expect(store.getState().runs[0]?.label).toBe('lower learning rate');
    store.getState().renameRun(RUN, '   ');
    expect(store.getState().runs[0]?.label).toBe('lower learning rate');
  });

  it('toggles runs in and out of the comparison', () => {
    const store = createRunStore();
    store.getState().toggleCompare(RUN);
    expect(store.getState().compareRunIds).toEqual([RUN]);
    store.getState().toggleCompare(RUN);
    expect(store.getState().compareRunIds).toEqual([]);
  });

});
