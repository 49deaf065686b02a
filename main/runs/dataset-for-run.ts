import type { GraphAnalysis } from '../../core/graph/analyze.ts';
import { checkBindings } from '../../core/graph/binding.ts';
import { StudioError } from '../../core/problems.ts';
import {
  BUILT_IN_DATASETS,
  describeBuiltInDatasets,
  isBuiltInDataset,
  loadBuiltInDataset,
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
 * Loads the dataset a run trains on, at the graph's input size, and checks before any training
 * that every head can learn its target from it.
 */
export function loadDatasetForGraph(analysis: GraphAnalysis, request: DatasetRequest): Dataset {
  if (!isBuiltInDataset(request.name)) {
    throw new StudioError(
      'E_DATASET_UNKNOWN',
      `There is no dataset called '${request.name}'; the built-in datasets are ${BUILT_IN_DATASETS.join(' and ')}.`,
    );
  }
  // Bindings are checked against the dataset's description first: a mistake costs no loading.
  const targets = describeBuiltInDatasets().find((d) => d.name === request.name)?.targets ?? [];
  const [first, ...rest] = checkBindings(analysis.heads, targets, request.name);
  if (first) {
    const more = rest.length
      ? ` (${rest.length} more problem${rest.length > 1 ? 's' : ''} with the targets)`
      : '';
    throw new StudioError(first.code, `${first.message}${more}`);
  }
  return loadBuiltInDataset(request.name, {
    imageShape: inputImageShape(analysis),
    seed: request.seed,
    ...(request.limit !== undefined ? { limit: request.limit } : {}),
  });
}
