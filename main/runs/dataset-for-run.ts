import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GraphAnalysis } from '../../core/graph/analyze.ts';
import { checkBindings } from '../../core/graph/binding.ts';
import type { DatasetOptions } from '../../core/graph/schema.ts';
import { firstErrorSentence, StudioError } from '../../core/problems.ts';
import {
  BUILT_IN_DATASETS,
  describeBuiltInDatasets,
  isBuiltInDataset,
  loadBuiltInDataset,
  type BuiltInDatasetName,
  type Dataset,
  type DatasetTarget,
  type ImageShape,
  type TrainingData,
} from '../datasets/index.ts';
import { openImportedDataset, type ImportedDatasetReport } from '../datasets/import/index.ts';
import { asTrainingData } from '../engine/batches.ts';

export interface DatasetRequest {
  /** A built-in dataset's name or the path of an imported one. */
  readonly name: string;
  readonly seed: number;
  readonly limit?: number;
  /** How an imported dataset is read; the built-ins ignore it. */
  readonly options?: DatasetOptions;
}

/** The Input node decides the image size the dataset is drawn at. */
export function inputImageShape(analysis: GraphAnalysis): ImageShape {
  const shape = analysis.inputId ? analysis.nodes.get(analysis.inputId)?.outputShape : undefined;
  const [h, w, c] = shape ?? [];
  if (h === undefined || w === undefined || c === undefined) {
    throw new StudioError('E_NO_INPUT', 'The graph has no usable Input node.');
  }
  return [h, w, c];
}

function assertBindings(analysis: GraphAnalysis, targets: readonly DatasetTarget[], name: string) {
  const error = firstErrorSentence(checkBindings(analysis.heads, targets, name), 'with the targets');
  if (error) throw new StudioError(error.code, error.message);
}

/**
 * Checks, before anything is loaded, that the dataset exists and, for a built-in one, that every
 * head can learn its target from it. Needs no data and no TensorFlow, so a host runs it before it
 * spawns a training process; an imported dataset's targets are checked once its index is read,
 * in the training process.
 */
export function checkDatasetForGraph(analysis: GraphAnalysis, name: string): string {
  if (isBuiltInDataset(name)) {
    const targets = describeBuiltInDatasets().find((d) => d.name === name)?.targets ?? [];
    assertBindings(analysis, targets, name);
    return name;
  }
  if (!existsSync(resolve(name))) {
    throw new StudioError(
      'E_DATASET_UNKNOWN',
      `There is no dataset at '${name}': give a built-in dataset (${BUILT_IN_DATASETS.join(' or ')}) or the path of a CSV file, a COCO JSON file, or a YOLO, Pascal VOC or image folder.`,
    );
  }
  return name;
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
  if (isBuiltInDataset(name)) return { data: asTrainingData(loadBuiltInForGraph(analysis, request)) };
  const opened = await openImportedDataset(resolve(name), {
    imageShape: inputImageShape(analysis),
    seed: request.seed,
    ...(request.limit !== undefined ? { limit: request.limit } : {}),
    ...(request.options ? { options: request.options } : {}),
    checkTargets: (targets) => assertBindings(analysis, targets, `'${name}'`),
  });
  return { data: opened.data, report: opened.report };
}
