/** The datasets that ship with the app: no download, no set-up, the same bytes for the same seed. */
import type { DatasetInfo } from '../../core/contract/host.ts';
import { DIGITS_DESCRIPTION, DIGITS_FULL_SIZE, DIGITS_TARGETS, loadDigits } from './digits.ts';
import {
  DIGITS_SCENES_DESCRIPTION,
  DIGITS_SCENES_FULL_SIZE,
  DIGITS_SCENES_TARGETS,
  loadDigitsScenes,
} from './digits-scenes.ts';
import { DatasetError, showValue } from './errors.ts';
import {
  MULTIDIGITS_DESCRIPTION,
  MULTIDIGITS_FULL_SIZE,
  MULTIDIGITS_TARGETS,
  loadMultiDigits,
} from './multidigits.ts';
import { loadScenes, SCENES_DESCRIPTION, SCENES_FULL_SIZE, SCENES_TARGETS } from './scenes.ts';
import { SHAPES_DESCRIPTION, SHAPES_FULL_SIZE, SHAPES_TARGETS, loadShapes } from './shapes.ts';
import {
  SHAPES_SCENES_DESCRIPTION,
  SHAPES_SCENES_FULL_SIZE,
  SHAPES_SCENES_TARGETS,
  loadShapesScenes,
} from './shapes-scenes.ts';
import { targetAtImageSize } from '../../core/tasks/registry.ts';
import type { BuiltInDatasetOptions, Dataset, DatasetTarget } from './types.ts';

export type {
  BuiltInDatasetOptions,
  Dataset,
  DatasetSplit,
  DatasetTarget,
  ImageShape,
  SplitName,
  SplitReader,
  TrainingData,
} from './types.ts';
export { DatasetError } from './errors.ts';
export type { DatasetErrorCode } from './errors.ts';

export const BUILT_IN_DATASETS = [
  'digits',
  'multidigits',
  'shapes',
  'digits-scenes',
  'scenes',
  'shapes-scenes',
] as const;
export type BuiltInDatasetName = (typeof BUILT_IN_DATASETS)[number];

export function isBuiltInDataset(name: string): name is BuiltInDatasetName {
  return (BUILT_IN_DATASETS as readonly string[]).includes(name);
}

/** Generates a built-in dataset; throws a DatasetError naming the bad value for invalid options. */
export function loadBuiltInDataset(
  name: BuiltInDatasetName,
  options: BuiltInDatasetOptions,
): Dataset {
  switch (name) {
    case 'digits':
      return loadDigits(options);
    case 'multidigits':
      return loadMultiDigits(options);
    case 'shapes':
      return loadShapes(options);
    case 'digits-scenes':
      return loadDigitsScenes(options);
    case 'scenes':
      return loadScenes(options);
    case 'shapes-scenes':
      return loadShapesScenes(options);
    default:
      // Reachable only from untyped callers (a CLI argument, an IPC payload).
      throw new DatasetError(
        'E_DATASET_UNKNOWN',
        `There is no built-in dataset called ${showValue(name)}; choose one of ${BUILT_IN_DATASETS.join(', ')}.`,
      );
  }
}

export interface BuiltInDatasetInfo {
  readonly name: BuiltInDatasetName;
  readonly description: string;
  /** Samples across all three splits when no limit is given. */
  readonly fullSize: number;
  readonly targets: readonly DatasetTarget[];
}

/** What each built-in dataset is, for a CLI listing; cheap (loads no data). */
export function describeBuiltInDatasets(): readonly BuiltInDatasetInfo[] {
  return [
    {
      name: 'digits',
      description: DIGITS_DESCRIPTION,
      fullSize: DIGITS_FULL_SIZE,
      targets: DIGITS_TARGETS,
    },
    {
      name: 'multidigits',
      description: MULTIDIGITS_DESCRIPTION,
      fullSize: MULTIDIGITS_FULL_SIZE,
      targets: MULTIDIGITS_TARGETS,
    },
    {
      name: 'shapes',
      description: SHAPES_DESCRIPTION,
      fullSize: SHAPES_FULL_SIZE,
      targets: SHAPES_TARGETS,
    },
    {
      name: 'digits-scenes',
      description: DIGITS_SCENES_DESCRIPTION,
      fullSize: DIGITS_SCENES_FULL_SIZE,
      targets: DIGITS_SCENES_TARGETS,
    },
    {
      name: 'scenes',
      description: SCENES_DESCRIPTION,
      fullSize: SCENES_FULL_SIZE,
      targets: SCENES_TARGETS,
    },
    {
      name: 'shapes-scenes',
      description: SHAPES_SCENES_DESCRIPTION,
      fullSize: SHAPES_SCENES_FULL_SIZE,
      targets: SHAPES_SCENES_TARGETS,
    },
  ];
}

/**
 * A built-in dataset's targets as it draws them for a graph whose input is `height`×`width`:
 * maps (masks, depth, normals) at the image's size.
 */
export const builtInTargetsAt = (
  targets: readonly DatasetTarget[],
  height: number,
  width: number,
): DatasetTarget[] => targets.map((t) => targetAtImageSize(t, height, width));

/** A target as the host contract carries it: plain, mutable JSON. */
export const targetInfo = (t: DatasetTarget): DatasetInfo['targets'][number] =>
  structuredClone(t) as DatasetInfo['targets'][number];

/** The built-in datasets as the hosts list them to the app. */
export function builtInDatasetInfos(): DatasetInfo[] {
  return describeBuiltInDatasets().map((d) => ({
    name: d.name,
    description: d.description,
    fullSize: d.fullSize,
    targets: d.targets.map(targetInfo),
  }));
}
