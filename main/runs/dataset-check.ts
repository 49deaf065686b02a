import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GraphAnalysis } from '../../core/graph/analyze.ts';
import { checkBindings } from '../../core/graph/binding.ts';
import { firstErrorSentence, StudioError } from '../../core/problems.ts';
import {
  BUILT_IN_DATASETS,
  builtInTargetsAt,
  describeBuiltInDatasets,
  isBuiltInDataset,
  type DatasetTarget,
  type ImageShape,
} from '../datasets/index.ts';

/*
 * What can be checked about a run's dataset without reading it or loading TensorFlow.js: the
 * browser host runs this before it starts a training process, so this module and what it imports
 * must stay free of the engine (lint and a test hold the browser host to that).
 */

/** The Input node decides the image size the dataset is drawn at. */
export function inputImageShape(analysis: GraphAnalysis): ImageShape {
  const shape = analysis.inputId ? analysis.nodes.get(analysis.inputId)?.outputShape : undefined;
  const [h, w, c] = shape ?? [];
  if (h === undefined || w === undefined || c === undefined) {
    throw new StudioError('E_NO_INPUT', 'The graph has no usable Input node.');
  }
  return [h, w, c];
}

export function assertBindings(analysis: GraphAnalysis, targets: readonly DatasetTarget[], name: string) {
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
    const [height, width] = inputImageShape(analysis);
    const targets = describeBuiltInDatasets().find((d) => d.name === name)?.targets ?? [];
    assertBindings(analysis, builtInTargetsAt(targets, height, width), name);
    return name;
  }
  if (!existsSync(resolve(name))) {
    throw new StudioError(
      'E_DATASET_UNKNOWN',
      `There is no dataset at '${name}': give a built-in dataset (${BUILT_IN_DATASETS.join(', ')}) or the path of a CSV file, a COCO JSON file, or a YOLO, Pascal VOC or image folder.`,
    );
  }
  return name;
}
