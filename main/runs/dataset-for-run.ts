import type { GraphAnalysis } from '../../core/graph/analyze.ts';
import { checkBindings } from '../../core/graph/binding.ts';
import { firstErrorSentence, StudioError } from '../../core/problems.ts';
import {
  BUILT_IN_DATASETS,
  describeBuiltInDatasets,
  isBuiltInDataset,
  loadBuiltInDataset,
  type BuiltInDatasetName,
  type Dataset,
  type ImageShape,
} from '../datasets/index.ts';

export interface DatasetRequest {
  readonly name: string;
  readonly seed: number;
  readonly limit?: number;
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

/**
 * Checks, before anything is loaded, that the dataset exists and that every head can learn its
 * target from it. Needs no data and no TensorFlow, so the browser host runs it before it spawns
 * a training process.
 */
export function checkDatasetForGraph(analysis: GraphAnalysis, name: string): BuiltInDatasetName {
  if (!isBuiltInDataset(name)) {
    throw new StudioError(
      'E_DATASET_UNKNOWN',
      `There is no dataset called '${name}'; the built-in datasets are ${BUILT_IN_DATASETS.join(' and ')}.`,
    );
  }
  const targets = describeBuiltInDatasets().find((d) => d.name === name)?.targets ?? [];
  const error = firstErrorSentence(
    checkBindings(analysis.heads, targets, name),
    'with the targets',
  );
  if (error) throw new StudioError(error.code, error.message);
  return name;
}

/** Loads the dataset a run trains on, at the graph's input size, after checkDatasetForGraph. */
export function loadDatasetForGraph(analysis: GraphAnalysis, request: DatasetRequest): Dataset {
  const name = checkDatasetForGraph(analysis, request.name);
  return loadBuiltInDataset(name, {
    imageShape: inputImageShape(analysis),
    seed: request.seed,
    ...(request.limit !== undefined ? { limit: request.limit } : {}),
  });
}
