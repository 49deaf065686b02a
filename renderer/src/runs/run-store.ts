import { create } from 'zustand';
import type { HostEvent, SavedRunInfo, StudioHost } from '../../../core/contract/host.ts';
import type { GraphDocument, TrainingSettings } from '../../../core/graph/schema.ts';
import type { RunId } from '../../../core/ids.ts';
import {
  applyHostEvent,
  initialRunsState,
  newRun,
  reopened,
  type Run,
  type RunsState,
} from './run-reducer.ts';

/**
 * The training runs of this session. Separate from the graph store, so a loss update re-renders
 * the run panel's charts and never the canvas (STYLE.md, habit 7).
 */
export interface RunStore extends RunsState {
  /** A run is being asked for: Start was pressed and the host has not answered yet. */
  readonly starting: boolean;
  /** The last start, stop or export that the host refused, as a sentence. */
  readonly error?: string;
  /** Log-scale Y on the loss charts. */
  readonly logScale: boolean;
  /**
   * Training settings typed but not valid, by field: the sentence the field shows. A run never
   * starts while there is one, since it would train with other settings than those shown.
   */
  readonly invalidSettings: Readonly<Record<string, string>>;
  /** The all-tasks loss card divides each task's loss by its first value. */
  readonly normalised: boolean;

  /** The runs kept on disk, as last listed: run names count on from them after a reload. */
  readonly savedRuns: readonly SavedRunInfo[];

  /** Applies host events in one state update (what the coalescing subscriber calls). */
  applyEvents(events: readonly HostEvent[]): void;
  /**
   * A run the host has accepted; it becomes the active and the shown run. `label` is the name
   * sent with the start request (nextRunName); without one it is counted on from the graph's name.
   */
  addRun(init: {
    runId: RunId;
    graph: GraphDocument;
    settings: TrainingSettings;
    label?: string;
  }): void;
  /** Shows a run under a new name (trimmed; a blank one is ignored). The host keeps it: run-actions.ts. */
  renameRun(runId: RunId, label: string): void;
  setSavedRuns(runs: readonly SavedRunInfo[]): void;
  /**
   * A run kept on disk, built from the host events that replay it (saved-run.ts); it becomes the
   * shown run. One already in the store is only shown.
   */
  addEarlierRun(init: {
    runId: RunId;
    label: string;
    graph: GraphDocument;
    settings: TrainingSettings;
    events: readonly HostEvent[];
  }): void;
  markStopping(runId: RunId): void;
  /**
   * A kept run trains on: it becomes the active and shown run again, its epochs kept and its
   * end, results and gallery cleared; `previous` puts it back as it was when the host refuses.
   */
  reopenRun(runId: RunId, previous?: Run): void;
  select(runId: RunId): void;
  /**
   * Another graph came into the editor: no finished run is shown or compared any more (its
   * Resume, its cards and its compare ticks belong to the graph it trained); a run in progress
   * stays shown. The runs stay listed.
   */
  showNoRun(): void;
  /** The graph trains on another dataset: runs ticked to compare trained on the one it had. */
  clearCompare(): void;
  toggleCompare(runId: RunId): void;
  setStarting(starting: boolean): void;
  setError(error: string | undefined): void;
  setLogScale(logScale: boolean): void;
  setNormalised(normalised: boolean): void;
  setInvalidSetting(field: string, sentence: string | undefined): void;
}

/**
 * Events of runs the store does not know yet are parked, not dropped: the host may send a run's
 * first events before `startRun` has returned its id. Bounded, so events of runs started
 * elsewhere cannot pile up.
 */
const MAX_PARKED = 500;

/**
 * "shapes-three-tasks · run 3": numbered on from the runs of the same name in this session and
 * the runs of the same graph kept on disk, so the numbers do not start again after a reload.
 */
export function nextRunName(
  base: string,
  graphName: string,
  state: Pick<RunsState, 'runs'> & { readonly savedRuns: readonly SavedRunInfo[] },
): string {
  const prefix = `${base} · run `;
  const session = state.runs.filter((r) => !r.earlier);
  const numbers = session.map((r) =>
    r.label.startsWith(prefix) ? Number(r.label.slice(prefix.length)) || 0 : 0,
  );
  const sessionIds = new Set(session.map((r) => r.runId as string));
  const kept = state.savedRuns.filter((r) => r.graphName === graphName && !sessionIds.has(r.runId));
  return `${prefix}${Math.max(kept.length + session.filter((r) => r.graph.name === graphName).length, ...numbers) + 1}`;
}

export function createRunStore() {
  let parked: HostEvent[] = [];

  return create<RunStore>()((set, get) => ({
    ...initialRunsState,
    starting: false,
    logScale: false,
    normalised: false,
    invalidSettings: {},
    savedRuns: [],

    applyEvents(events) {
      if (events.length === 0) return;
      let state: RunsState = get();
      const before = state;
      for (const event of events) {
        if (state.runs.some((r) => r.runId === event.runId)) state = applyHostEvent(state, event);
        else parked.push(event);
      }
      if (parked.length > MAX_PARKED) parked = parked.slice(-MAX_PARKED);
      if (state !== before) set(state);
    },

    addRun({ runId, graph, settings, label: given }) {
      const state = get();
      if (state.runs.some((r) => r.runId === runId)) return;
      const label = given ?? nextRunName(graph.name, graph.name, state);
      let next: RunsState = {
        ...state,
        runs: [...state.runs, newRun({ runId, label, graph, settings })],
        activeRunId: runId,
        selectedRunId: runId,
      };
      const early = parked.filter((e) => e.runId === runId);
      parked = parked.filter((e) => e.runId !== runId);
      for (const event of early) next = applyHostEvent(next, event);
      set(next);
    },

    addEarlierRun({ runId, label, graph, settings, events }) {
      const state = get();
      if (state.runs.some((r) => r.runId === runId)) {
        set({ selectedRunId: runId });
        return;
      }
      let next: RunsState = {
        ...state,
        runs: [...state.runs, { ...newRun({ runId, label, graph, settings }), earlier: true }],
        selectedRunId: runId,
      };
      for (const event of events) next = applyHostEvent(next, event);
      set(next);
    },

    reopenRun(runId, previous) {
      set((s) => ({
        runs: s.runs.map((r) => {
          if (r.runId !== runId) return r;
          return previous ?? reopened(r);
        }),
        activeRunId: !previous ? runId : s.activeRunId === runId ? undefined : s.activeRunId,
        selectedRunId: runId,
      }));
    },

    renameRun(runId, label) {
      const name = label.trim();
      if (name === '') return;
      set((s) => ({ runs: s.runs.map((r) => (r.runId === runId ? { ...r, label: name } : r)) }));
    },

    setSavedRuns(savedRuns) {
      set({ savedRuns });
    },

    markStopping(runId) {
      set((s) => ({ runs: s.runs.map((r) => (r.runId === runId ? { ...r, stopping: true } : r)) }));
    },

    select(runId) {
      set({ selectedRunId: runId });
    },

    showNoRun() {
      set((s) => ({ selectedRunId: s.activeRunId, compareRunIds: [] }));
    },

    clearCompare() {
      if (get().compareRunIds.length) set({ compareRunIds: [] });
    },

    toggleCompare(runId) {
      set((s) => ({
        compareRunIds: s.compareRunIds.includes(runId)
          ? s.compareRunIds.filter((id) => id !== runId)
          : [...s.compareRunIds, runId],
      }));
    },

    setStarting(starting) {
      set({ starting });
    },

    setError(error) {
      set({ error });
    },

    setLogScale(logScale) {
      set({ logScale });
    },

    setNormalised(normalised) {
      set({ normalised });
    },

    setInvalidSetting(field, sentence) {
      const { [field]: had, ...rest } = get().invalidSettings;
      if (had === sentence) return;
      set({ invalidSettings: sentence === undefined ? rest : { ...rest, [field]: sentence } });
    },
  }));
}

export type RunStoreApi = ReturnType<typeof createRunStore>;

export const useRunStore: RunStoreApi = createRunStore();

/** A timer source, injectable so tests drive time by hand. */
export interface Clock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How long events wait to be applied together: at most about eight store updates a second. */
export const COALESCE_MS = 120;

/**
 * Subscribes the run store to the host's events. Events are buffered and applied together at
 * most once per `intervalMs` (the first event of a quiet spell starts the timer), so a trainer
 * sending 20 batch events a second causes about eight renders a second, not twenty. Returns the
 * function that unsubscribes; it applies whatever is still buffered.
 */
export function connectRunStore(
  host: Pick<StudioHost, 'onEvent'>,
  { store = useRunStore, clock = realClock, intervalMs = COALESCE_MS } = {} as {
    store?: RunStoreApi;
    clock?: Clock;
    intervalMs?: number;
  },
): () => void {
  let buffer: HostEvent[] = [];
  let timer: unknown;
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const events = buffer;
    buffer = [];
    store.getState().applyEvents(events);
  };

  const unsubscribe = host.onEvent((event) => {
    buffer.push(event);
    if (!scheduled) {
      scheduled = true;
      timer = clock.setTimeout(flush, intervalMs);
    }
  });

  return () => {
    unsubscribe();
    if (scheduled) clock.clearTimeout(timer);
    flush();
  };
}
