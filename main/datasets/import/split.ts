/**
 * Splits checked images into train, validation and test by ratio when the data gives no split:
 * stratified by class, and the same for the same keys and seed whatever order they come in.
 */
import { DatasetError, showValue } from '../errors.ts';
import { createRng, shuffle } from '../rng.ts';
import type { SplitName } from '../types.ts';
import { compareText } from './files.ts';

export const DEFAULT_VALIDATION_FRACTION = 0.1;
export const DEFAULT_TEST_FRACTION = 0.1;
export const DEFAULT_SPLIT_SEED = 1;
/** Stream ids keep the split's random numbers apart from every other use of the same seed. */
const ORDER_STREAM = 0x7370;
const TIE_STREAM = 0x7469;

export interface SplitCandidate {
  readonly key: string;
  readonly classIndex: number;
}

export interface SplitFractions {
  readonly validation: number;
  readonly test: number;
}

/** The fractions and seed to split with, or a sentence naming the value that cannot be used. */
export function splitSettings(options: {
  readonly validationFraction?: number;
  readonly testFraction?: number;
  readonly seed?: number;
}): { fractions: SplitFractions; seed: number } {
  const validation = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  const test = options.testFraction ?? DEFAULT_TEST_FRACTION;
  const seed = options.seed ?? DEFAULT_SPLIT_SEED;
  for (const [name, value] of [
    ['validationFraction', validation],
    ['testFraction', test],
  ] as const) {
    if (!Number.isFinite(value) || value < 0 || value >= 1) {
      throw new DatasetError(
        'E_DATASET_OPTION',
        `${name} must be a fraction from 0 up to 1; got ${showValue(value)}.`,
      );
    }
  }
  if (validation + test >= 1) {
    throw new DatasetError(
      'E_DATASET_OPTION',
      `validationFraction and testFraction together must leave images to train on; got ${validation} + ${test}.`,
    );
  }
  if (!Number.isSafeInteger(seed)) {
    throw new DatasetError(
      'E_DATASET_OPTION',
      `seed must be a whole number; got ${showValue(seed)}.`,
    );
  }
  return { fractions: { validation, test }, seed };
}

/**
 * How many images go to test and validation: the nearest whole numbers to the fractions, at
 * least one each (when its fraction is above 0) once there are three images, and never all.
 */
export function splitCounts(total: number, fractions: SplitFractions) {
  let test = Math.round(total * fractions.test);
  let validation = Math.round(total * fractions.validation);
  if (total >= 3) {
    if (fractions.test > 0) test = Math.max(1, test);
    if (fractions.validation > 0) validation = Math.max(1, validation);
  }
  while (test + validation > Math.max(0, total - 1)) {
    if (validation >= test && validation > 0) validation -= 1;
    else test -= 1;
  }
  return { test, validation };
}

/**
 * The split of each candidate, in the candidates' order. Each class's images, in key order,
 * are shuffled with the seed and spread evenly over [0, 1) by rank; all images sorted by that
 * position are cut into test, validation and train, so every class is shared out within one
 * image of its proportion and a class of one image stays in train.
 */
export function assignSplits(
  candidates: readonly SplitCandidate[],
  fractions: SplitFractions,
  seed: number,
): SplitName[] {
  const byClass = new Map<number, number[]>();
  candidates.forEach((c, i) => {
    const members = byClass.get(c.classIndex) ?? [];
    members.push(i);
    byClass.set(c.classIndex, members);
  });
  const position = new Float64Array(candidates.length);
  const tie = new Float64Array(candidates.length);
  for (const [classIndex, members] of byClass) {
    members.sort((a, b) => compareText(candidates[a]?.key ?? '', candidates[b]?.key ?? ''));
    shuffle(members, createRng(seed, ORDER_STREAM, classIndex));
    const tieRng = createRng(seed, TIE_STREAM, classIndex);
    members.forEach((member, rank) => {
      position[member] = (rank + 0.5) / members.length;
      tie[member] = tieRng.nextFloat();
    });
  }
  const order = candidates.map((_, i) => i);
  order.sort(
    (a, b) =>
      (position[a] ?? 0) - (position[b] ?? 0) ||
      (tie[a] ?? 0) - (tie[b] ?? 0) ||
      compareText(candidates[a]?.key ?? '', candidates[b]?.key ?? ''),
  );
  const counts = splitCounts(candidates.length, fractions);
  const splits = new Array<SplitName>(candidates.length).fill('train');
  order.forEach((candidate, rank) => {
    if (rank < counts.test) splits[candidate] = 'test';
    else if (rank < counts.test + counts.validation) splits[candidate] = 'validation';
  });
  return splits;
}
