import { MODEL_FILE, WEIGHTS_FILE } from '../runs/run-manifest.ts';
import type { ExportFiles } from './files.ts';
import { exportMetadata } from './labels.ts';
import type { ExportSource } from './source.ts';

/**
 * The model as TensorFlow.js saved it: model.json and weights.bin, loadable with
 * tf.loadLayersModel; model.json carries what the outputs mean as its userDefinedMetadata
 * (`model.getUserDefinedMetadata()` after loading).
 */
export function tfjsFiles(source: ExportSource): ExportFiles {
  const model = JSON.parse(new TextDecoder().decode(source.modelJson)) as Record<string, unknown>;
  const withMeaning = { ...model, userDefinedMetadata: exportMetadata(source) };
  return new Map([
    [MODEL_FILE, new TextEncoder().encode(JSON.stringify(withMeaning))],
    [WEIGHTS_FILE, source.weightsBin],
  ]);
}
