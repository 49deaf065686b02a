/** Splits a generated sample sequence into train/validation/test and stores it in typed arrays. */
import type { Dataset, DatasetSplit, DatasetTarget, ImageShape, SplitName } from './types.ts';
import { allocateTarget, storedWidth } from '../../core/tasks/registry.ts';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/**
 * 80/10/10. Validation and test each get round(10%) but at least one sample, and train takes the
 * rest, so the three always add up to the total and none is empty from 3 samples up
 * (3 → 1/1/1, 10 → 8/1/1, 15 → 11/2/2, 10000 → 8000/1000/1000).
 */
export function planSplits(total: number): Readonly<Record<SplitName, number>> {
  const heldOut = Math.max(1, Math.round(total * 0.1));
  return { train: total - 2 * heldOut, validation: heldOut, test: heldOut };
}

/** The target values of one sample, by target name: a class index, a box's 4 numbers, columns, or a map. */
export type SampleTargetValues = Readonly<Record<string, number | ArrayLike<number>>>;

/** Draws sample `sampleIndex` into `pixels` (one image, HWC bytes) and returns its targets. */
export type SampleRenderer = (sampleIndex: number, pixels: Uint8Array) => SampleTargetValues;

export interface DatasetSpec {
  readonly name: string;
  readonly description: string;
  readonly imageShape: ImageShape;
  readonly targets: readonly DatasetTarget[];
  readonly sampleCount: number;
}

function allocateTargets(
  targets: readonly DatasetTarget[],
  size: number,
): Record<string, Int32Array | Float32Array> {
  return Object.fromEntries(targets.map((t) => [t.name, allocateTarget(t, size)]));
}

function storeTargets(
  targets: readonly DatasetTarget[],
  arrays: Record<string, Int32Array | Float32Array>,
  row: number,
  values: SampleTargetValues,
): void {
  for (const target of targets) {
    const value = values[target.name];
    const array = arrays[target.name];
    const width = storedWidth(target);
    const numbers = typeof value === 'number' ? [value] : value;
    // A renderer that disagrees with its own target list is a bug in this module, not user error.
    if (array === undefined || numbers === undefined || numbers.length !== width) {
      throw new Error(`Sample ${row} gave no valid value for target '${target.name}'.`);
    }
    array.set(numbers, row * width);
  }
}

/** Renders samples 0..sampleCount-1 in order: the first go to train, then validation, then test. */
export function buildDataset(spec: DatasetSpec, render: SampleRenderer): Dataset {
  const [height, width, channels] = spec.imageShape;
  const imageBytes = height * width * channels;
  const plan = planSplits(spec.sampleCount);
  const splits: Partial<Record<SplitName, DatasetSplit>> = {};
  let sampleIndex = 0;
  for (const splitName of SPLIT_NAMES) {
    const size = plan[splitName];
    const images = new Uint8Array(size * imageBytes);
    const targets = allocateTargets(spec.targets, size);
    for (let row = 0; row < size; row += 1) {
      const pixels = images.subarray(row * imageBytes, (row + 1) * imageBytes);
      storeTargets(spec.targets, targets, row, render(sampleIndex, pixels));
      sampleIndex += 1;
    }
    splits[splitName] = { size, images, targets };
  }
  return {
    name: spec.name,
    description: spec.description,
    imageShape: [height, width, channels],
    targets: spec.targets,
    splits: splits as Record<SplitName, DatasetSplit>,
  };
}

/** Knobs for tests and previews only; the built-in datasets are defined by their defaults. */
export interface RenderOverrides {
  /** Sigma of the additive pixel noise in [0, 1] units; 0 renders clean images. */
  readonly noiseSigma?: number;
}
