import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { MODEL_FILE, WEIGHTS_FILE } from '../runs/run-manifest.ts';
import {
  readManifestWeights,
  readModelJson,
  weightNamed,
  weightsManifestOf,
} from '../runs/weights-file.ts';
import type { Weight } from '../runs/weight.ts';
import { writeFileAtomic } from './atomic-write.ts';
// The Gate and CrossStitch layers must be registered before a model that has them is read.
import './mixing-layers.ts';
import { tf, type LayersModel } from './tf.ts';

export { writeFileAtomic };

/**
 * Saves in the TensorFlow.js Layers format (`model.json` + one weights file) that
 * `tf.loadLayersModel` reads; the pure-JS packages have no `file://` handler, so this is ours.
 */
export async function saveModel(model: LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array();
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: 'Multitask Studio',
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
      await writeFileAtomic(join(dir, MODEL_FILE), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    }),
  );
}

/**
 * Loads a model saved by saveModel (or any Layers-format folder with local weight files), its
 * files read as readManifestWeights reads them: inside the folder, plain files, exactly the
 * declared size.
 */
export async function loadModel(dir: string, signal?: AbortSignal): Promise<LayersModel> {
  const path = join(dir, MODEL_FILE);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = (await readModelJson(path)) as tf.io.ModelJSON;
  } catch (e) {
    if (!(e instanceof StudioError)) throw e;
    throw new StudioError(
      'E_MODEL_MISSING',
      `No readable model in ${dir}: ${e.code === 'E_MODEL_MISSING' ? `${MODEL_FILE} is missing` : e.message.replace(/\.$/, '')}.`,
    );
  }
  const manifest = weightsManifestOf(modelJson, path);
  const handler: tf.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(modelJson, async () => {
        const { specs, data } = await readManifestWeights(path, manifest, signal);
        const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
        return [specs as tf.io.WeightsManifestEntry[], buffer as ArrayBuffer];
      }),
  };
  return tf.loadLayersModel(handler);
}

/**
 * Starts a model from the weights of another (`stored`, read by readWeightsFile from the
 * model.json at `path`), matched by layer name: layers the file has set their weights, others
 * keep their fresh start. A weight of another shape, or a file that matches no layer at all, is
 * a sentence.
 */
export function startFromWeights(
  model: LayersModel,
  stored: ReadonlyMap<string, Weight>,
  path: string,
): number {
  let matched = 0;
  const values = model.weights.map((w) => {
    const weight = weightNamed(stored, w.originalName);
    if (!weight) return w.read();
    if (weight.shape.join(',') !== w.shape.join(',')) {
      throw new StudioError(
        'E_WEIGHTS_MISMATCH',
        `The starting weight '${w.originalName}' in ${path} is [${weight.shape.join(', ')}], but the graph's is [${w.shape.join(', ')}].`,
      );
    }
    matched++;
    return tf.tensor(weight.values, [...weight.shape]);
  });
  if (matched === 0) {
    throw new StudioError(
      'E_WEIGHTS_MISMATCH',
      `None of the weights in ${path} belongs to a layer of this graph (weights are matched by layer name).`,
    );
  }
  model.setWeights(values);
  return matched;
}

/**
 * Gives `target` the weights of `source`, the same graph's model, matched by name: the order of
 * a model's weights puts trainable ones first, so it differs between a model with frozen layers
 * and one saved after they were unfrozen.
 */
export function copyWeights(source: LayersModel, target: LayersModel): void {
  const byName = new Map(source.weights.map((w) => [w.originalName, w] as const));
  target.setWeights(
    target.weights.map((w) => {
      const from = byName.get(w.originalName);
      if (!from) throw new Error(`the saved model has no weight '${w.originalName}'`);
      return from.read();
    }),
  );
}
