import { describe, expect, it } from 'vitest';
import { scheduleSchema } from '../../../core/graph/training-control.ts';
import { afterEpoch, initialScheduleState, learningRateAt } from './schedule.ts';

const shape = { baseRate: 0.1, stepsPerEpoch: 10, epochs: 4 };
const rates = (settings: ReturnType<typeof scheduleSchema.parse>, steps: number[]) =>
  steps.map((s) => learningRateAt(settings, shape, s, initialScheduleState()));

describe('learning-rate schedules', () => {
  it('constant keeps the base rate', () => {
    expect(rates(scheduleSchema.parse({}), [0, 17, 39])).toEqual([0.1, 0.1, 0.1]);
  });

  it('step decay multiplies by the factor every stepEpochs epochs', () => {
    const step = scheduleSchema.parse({ kind: 'step', stepEpochs: 2, factor: 0.5 });
    expect(rates(step, [0, 19, 20, 39])).toEqual([0.1, 0.1, 0.05, 0.05]);
  });

  it('cosine rises linearly over the warm-up, then falls to the minimum at the last step', () => {
    const cosine = scheduleSchema.parse({
      kind: 'cosine',
      warmupEpochs: 1,
      minLearningRate: 0.001,
    });
    const [first, mid, top, half, last] = rates(cosine, [0, 4, 10, 24.5, 39]);
    expect(first).toBeCloseTo(0.01, 12);
    expect(mid).toBeCloseTo(0.05, 12);
    expect(top).toBeCloseTo(0.1, 12);
    // Halfway through the decay: the mean of the base and the minimum.
    expect(half).toBeCloseTo((0.1 + 0.001) / 2, 12);
    expect(last).toBeCloseTo(0.001, 12);
  });

  it('reduce on plateau multiplies by the factor after `patience` epochs without improvement', () => {
    const plateau = scheduleSchema.parse({
      kind: 'plateau',
      patience: 2,
      factor: 0.5,
      minLearningRate: 0.03,
    });
    const lower = (v: number, best: number | undefined) => best === undefined || v < best;
    let state = initialScheduleState();
    const seen: number[] = [];
    for (const value of [1, 0.9, 0.95, 0.96, 0.97, 0.98]) {
      state = afterEpoch(plateau, state, value, lower);
      seen.push(learningRateAt(plateau, shape, 0, state));
    }
    // Improvements at epochs 1–2; reductions after the 2nd and 4th epoch without one; floor 0.03.
    expect(seen).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.03]);
  });
});
