import type { Batch } from '../batches.ts';
import type { StepKit } from './step-kit.ts';

/** What a method's step leaves: the batch's stats and each task's coefficient on L̃_k. */
export interface StepOutcome {
  readonly stats: Float32Array;
  /** Per head: the weighted loss L̃_k's coefficient in the trunk's update this step. */
  readonly coefficients: readonly number[];
}

/**
 * One balancing method, as the trainer's balancing calls it: a step, an optional epoch hook,
 * and its learnable or running state as plain JSON (for checkpoints and exact resume).
 */
export interface BalancingMethod {
  step(batch: Batch): Promise<StepOutcome>;
  /** After each epoch, with each task's epoch-mean weighted loss L̃_k. */
  endEpoch?(meanLosses: readonly number[]): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export type MethodFactory<P> = (kit: StepKit, params: P, seed: number) => BalancingMethod;

/** A method without state. */
export const stateless = {
  getState: (): unknown => ({}),
  setState: (): void => undefined,
};

/** Reads a saved state of numbers, refusing one that does not fit (a checkpoint of another graph). */
export function numbersOf(state: unknown, key: string, length: number): number[] {
  const value = (state as Record<string, unknown> | null)?.[key];
  if (
    !Array.isArray(value) ||
    value.length !== length ||
    !value.every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    throw new Error(`the saved balancing state has no '${key}' of ${length} numbers`);
  }
  return value as number[];
}
