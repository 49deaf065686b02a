import { MODEL_FILE, WEIGHTS_FILE } from '../runs/run-manifest.ts';
import type { ExportFiles } from './files.ts';
import type { ExportSource } from './source.ts';

/** The model as TensorFlow.js saved it: model.json and weights.bin, loadable with tf.loadLayersModel. */
export function tfjsFiles(source: ExportSource): ExportFiles {
  return new Map([
    [MODEL_FILE, source.modelJson],
    [WEIGHTS_FILE, source.weightsBin],
  ]);
}
