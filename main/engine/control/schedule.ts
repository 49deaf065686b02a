import type { ScheduleSettings } from '../../../core/graph/training-control.ts';

/** Where a schedule stands between epochs; JSON, so a resumed run goes on from the same rate. */
export interface ScheduleState {
  /** Plateau: the product of the reductions so far. */
  readonly scale: number;
  /** Plateau: the best monitored value so far and the epochs since it. */
  readonly best?: number;
  readonly wait: number;
}

export const initialScheduleState = (): ScheduleState => ({ scale: 1, wait: 0 });

export interface ScheduleShape {
  readonly baseRate: number;
  readonly stepsPerEpoch: number;
  /** The epochs the run is to reach: where cosine decay ends. */
  readonly epochs: number;
}

/**
 * The learning rate of the step that follows `stepsDone` steps. Step decay and plateau change
 * the rate between epochs; cosine changes it every step: a linear rise over the warm-up to the
 * base rate, then half a cosine down to the minimum at the last step of the run.
 */
export function learningRateAt(
  settings: ScheduleSettings,
  shape: ScheduleShape,
  stepsDone: number,
  state: ScheduleState,
): number {
  const { baseRate, stepsPerEpoch, epochs } = shape;
  const floor = Math.min(settings.minLearningRate, baseRate);
  switch (settings.kind) {
    case 'constant':
      return baseRate;
    case 'step': {
      const epochIndex = Math.floor(stepsDone / stepsPerEpoch);
      return baseRate * settings.factor ** Math.floor(epochIndex / settings.stepEpochs);
    }
    case 'cosine': {
      const warmup = Math.round(settings.warmupEpochs * stepsPerEpoch);
      if (stepsDone < warmup) return (baseRate * (stepsDone + 1)) / warmup;
      const decaySteps = Math.max(1, epochs * stepsPerEpoch - warmup - 1);
      const progress = Math.min(1, (stepsDone - warmup) / decaySteps);
      return floor + (baseRate - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
    case 'plateau':
      return Math.max(floor, baseRate * state.scale);
  }
}

/**
 * Reduce on plateau after an epoch: with `improves` telling whether a value beats the best so
 * far (the monitor's direction and min delta), the rate is multiplied by the factor once the
 * value has not improved for `patience` epochs, and the count starts again.
 */
export function afterEpoch(
  settings: ScheduleSettings,
  state: ScheduleState,
  value: number,
  improves: (value: number, best: number | undefined) => boolean,
): ScheduleState {
  if (settings.kind !== 'plateau') return state;
  if (improves(value, state.best)) return { ...state, best: value, wait: 0 };
  const wait = state.wait + 1;
  if (wait < settings.patience) return { ...state, wait };
  return { ...state, scale: state.scale * settings.factor, wait: 0 };
}
