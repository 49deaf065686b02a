import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { MODEL_FILE, WEIGHTS_FILE } from '../runs/run-manifest.ts';
import { writeFileAtomic } from './atomic-write.ts';
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

/** Loads a model saved by saveModel (or any Layers-format folder with local weight files). */
export async function loadModel(dir: string): Promise<LayersModel> {
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(await readFile(join(dir, MODEL_FILE), 'utf8')) as tf.io.ModelJSON;
  } catch (e) {
    throw new StudioError(
      'E_MODEL_MISSING',
      `No readable model in ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `${MODEL_FILE} is missing` : (e as Error).message}.`,
    );
  }
  const handler: tf.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest.flatMap((group) => group.paths).map((p) => readFile(join(dir, p))),
        );
        const bytes = Buffer.concat(buffers);
        const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        return [specs, data as ArrayBuffer];
      }),
  };
  return tf.loadLayersModel(handler);
}
