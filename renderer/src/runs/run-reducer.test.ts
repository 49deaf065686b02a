import { describe, expect, it } from 'vitest';
import type { HostEvent } from '../../../core/contract/host.ts';
import {
  applyHostEvent,
  findEndedRun,
  hasModel,
  initialRunsState,
  newRun,
  type Run,
  type RunsState,
} from './run-reducer.ts';
import { batch, epoch, graph, RUN, settings, split, started, startedEvent } from './test-events.ts';

const withRun = (): RunsState => ({
  ...initialRunsState,
  runs: [newRun({ runId: RUN, label: 'Run 1 · Keras reference', graph, settings })],
  activeRunId: RUN,
  selectedRunId: RUN,
});

const apply = (events: readonly HostEvent[], state = withRun()): RunsState =>
  events.reduce(applyHostEvent, state);

const only = (state: RunsState): Run => {
  const run = state.runs[0];
  if (!run) throw new Error('no run');
  return run;
};

describe('applyHostEvent', () => {
  it('started: the run is running, with its backend, tasks and an empty curve per task', () => {
    const run = only(apply([started()]));
    expect(run.status).toBe('running');
    expect(run.started).toBe(startedEvent);
    expect(Object.keys(run.batchSeries)).toEqual(['class', 'box']);
    expect(run.progress).toMatchObject({ epoch: 1, epochs: 2, batch: 0, batchesPerEpoch: 25 });
  });

  it('batch: adds a point per task and updates the progress', () => {
    const run = only(apply([started(), batch(1), batch(2), batch(30)]));
    expect(run.batchSeries.class?.points.map((p) => [p.step, p.loss])).toEqual([
      [1, 2],
      [2, 1],
      [30, 2 / 30],
    ]);
    expect(run.batchSeries.box?.points).toHaveLength(3);
    expect(run.progress).toEqual({
      epoch: 2,
      epochs: 2,
      batch: 5,
      batchesPerEpoch: 25,
      samplesPerSec: 50,
      etaSeconds: 20,
    });
  });

  it('epoch: appends the epoch event', () => {
    const run = only(apply([started(), batch(1), epoch(1), epoch(2)]));
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(run.epochs[1]?.val.loss).toBeCloseTo(0.6);
    expect(run.progress?.batch).toBe(25);
  });

  it('run-result: sets the test metrics and the gallery', () => {
    const sample = { width: 2, height: 2, channels: 1, pixels: 'AAAAAA==', heads: [] };
    const run = only(apply([started(), { type: 'run-result', runId: RUN, test: split(0.5), gallery: [sample] }]));
    expect(run.test?.loss).toBe(0.5);
    expect(run.gallery).toEqual([sample]);
  });

  it('run-ended: sets the status and the message, and the run is no longer active', () => {
    const failed = apply([
      started(),
      { type: 'run-ended', runId: RUN, status: 'failed', message: 'The loss became NaN.' },
    ]);
    expect(only(failed)).toMatchObject({ status: 'failed', message: 'The loss became NaN.' });
    expect(failed.activeRunId).toBeUndefined();
    expect(failed.selectedRunId).toBe(RUN);
  });

  it('keeps the trainer’s failure sentence when run-ended brings none', () => {
    const run = only(
      apply([
        started(),
        { type: 'run', runId: RUN, event: { type: 'failed', code: 'E_X', message: 'Bad.' } },
        { type: 'run-ended', runId: RUN, status: 'failed' },
      ]),
    );
    expect(run).toMatchObject({ status: 'failed', message: 'Bad.' });
  });

  it('ignores events of unknown runs', () => {
    const state = withRun();
    expect(applyHostEvent(state, batch(1, 'other'))).toBe(state);
    expect(applyHostEvent(state, { type: 'run-ended', runId: 'other', status: 'finished' })).toBe(
      state,
    );
  });

  it('a run has a model when it finished, or stopped after a whole epoch', () => {
    const ended = (events: HostEvent[], status: 'finished' | 'stopped' | 'failed') =>
      only(apply([started(), ...events, { type: 'run-ended', runId: RUN, status }]));
    expect(hasModel(ended([], 'finished'))).toBe(true);
    expect(hasModel(ended([], 'stopped'))).toBe(false);
    expect(hasModel(ended([epoch(1)], 'stopped'))).toBe(true);
    expect(hasModel(ended([epoch(1)], 'failed'))).toBe(false);
    expect(hasModel(only(apply([started()])))).toBe(false);
  });
});

describe('findEndedRun', () => {
  it('gives nothing while the run trains, whatever its events, then the ended run', () => {
    let state = apply([started()]);
    const seen = new Set<Run | undefined>();
    for (const event of [batch(1), batch(2), epoch(1), batch(26)]) {
      state = applyHostEvent(state, event);
      seen.add(findEndedRun(state, RUN));
    }
    // One value while it trains: a component that selects it is not rendered for the events.
    expect([...seen]).toEqual([undefined]);
    state = applyHostEvent(state, { type: 'run-ended', runId: RUN, status: 'finished' });
    expect(findEndedRun(state, RUN)).toBe(only(state));
    expect(findEndedRun(state, undefined)).toBeUndefined();
  });
});
