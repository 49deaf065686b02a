import { resolve } from 'node:path';
import type { GraphAnalysis } from '../../core/graph/analyze.ts';
import type { DatasetOptions } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';
import {
  isBuiltInDataset,
  loadBuiltInDataset,
  type BuiltInDatasetName,
  type Dataset,
  type TrainingData,
} from '../datasets/index.ts';
import { openImportedDataset, type ImportedDatasetReport } from '../datasets/import/index.ts';
import { withTrainingAugmentation } from '../datasets/augmented-split.ts';
import { asTrainingData } from '../engine/batches.ts';
import { assertBindings, checkDatasetForGraph, inputImageShape } from './dataset-check.ts';

export interface DatasetRequest {
  /** A built-in dataset's name or the path of an imported one. */
  readonly name: string;
  readonly seed: number;
  readonly limit?: number;
  /** How an imported dataset is read; the built-ins use its augmentation only. */
  readonly options?: DatasetOptions;
}

/** A built-in dataset in memory, at the graph's input size (the benchmark slices it). */
export function loadBuiltInForGraph(analysis: GraphAnalysis, request: DatasetRequest): Dataset {
  const name = checkDatasetForGraph(analysis, request.name);
  if (!isBuiltInDataset(name)) {
    throw new StudioError('E_DATASET_UNKNOWN', `'${name}' is not a built-in dataset.`);
  }
  return loadBuiltInDataset(name as BuiltInDatasetName, {
    imageShape: inputImageShape(analysis),
    seed: request.seed,
    ...(request.limit !== undefined ? { limit: request.limit } : {}),
  });
}

export interface DatasetForRun {
  readonly data: TrainingData;
  /** For an imported dataset: the bad-row report and how the data was split. */
  readonly report?: ImportedDatasetReport;
}

/**
 * Opens the dataset a run trains on, at the graph's input size: a built-in one generated in
 * memory, or an imported one indexed, checked (bad rows skipped or, if the user chose so, the
 * run stopped with the report's first sentence) and read from its files batch by batch.
 */
export async function openDatasetForRun(
  analysis: GraphAnalysis,
  request: DatasetRequest,
): Promise<DatasetForRun> {
  const name = checkDatasetForGraph(analysis, request.name);
  if (isBuiltInDataset(name)) {
    const data = asTrainingData(loadBuiltInForGraph(analysis, request));
    return { data: withTrainingAugmentation(data, request.options?.augment, request.seed) };
  }
  const opened = await openImportedDataset(resolve(name), {
    imageShape: inputImageShape(analysis),
    seed: request.seed,
    ...(request.limit !== undefined ? { limit: request.limit } : {}),
    ...(request.options ? { options: request.options } : {}),
    checkTargets: (targets) => assertBindings(analysis, targets, `'${name}'`),
    learnedTargets: analysis.heads.map((h) => h.target),
  });
  return { data: opened.data, report: opened.report };
}
