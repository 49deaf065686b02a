import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StudioError } from '../../core/problems.ts';
import { WEIGHTS_FILE } from './run-manifest.ts';

/**
 * The weights of a TensorFlow.js Layers model read from its files, without TensorFlow.js: the
 * export formats and the starting weights of a run read them the same way.
 */

/** A weight: its shape and values, in the layout TensorFlow.js keeps it (Keras'). */
export interface Weight {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

/** The weights of a Layers-format model, by name (e.g. "conv1/kernel"). */
export function readWeights(modelJson: unknown, bin: Uint8Array): Map<string, Weight> {
  const manifest = (modelJson as { weightsManifest?: { weights: WeightSpec[] }[] }).weightsManifest;
  const specs = (manifest ?? []).flatMap((group) => group.weights);
  const weights = new Map<string, Weight>();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32' || spec.quantization) {
      throw new StudioError(
        'E_EXPORT_UNSUPPORTED',
        `The weight '${spec.name}' is stored as ${spec.dtype}${spec.quantization ? ' (quantized)' : ''}; only float32 weights can be exported.`,
      );
    }
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const end = offset + count * 4;
    if (end > bin.byteLength) {
      throw new StudioError(
        'E_RUN_INVALID',
        `${WEIGHTS_FILE} holds ${bin.byteLength} bytes but the weight '${spec.name}' needs bytes up to ${end}.`,
      );
    }
    const values = new Float32Array(count);
    new Uint8Array(values.buffer).set(bin.subarray(offset, end));
    weights.set(spec.name, { shape: spec.shape, values });
    offset = end;
  }
  return weights;
}

/**
 * The stored weight for a graph's weight name ("conv1/kernel"). A model saved with other models
 * inside it may name an inner layer's weights under the inner model's name too
 * ("sequential_1/conv1/kernel"); the canvas flattens such models, so that name is the same weight.
 */
export function weightNamed(
  stored: ReadonlyMap<string, Weight>,
  name: string,
): Weight | undefined {
  const exact = stored.get(name);
  if (exact) return exact;
  const nested = [...stored.keys()].filter((k) => k.endsWith(`/${name}`));
  return nested.length === 1 ? stored.get(nested[0]!) : undefined;
}

/** The weights of the model.json at `path`, its weight files read from beside it. */
export async function readWeightsFile(path: string): Promise<Map<string, Weight>> {
  let json: { weightsManifest?: { paths: string[] }[] };
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as typeof json;
  } catch (e) {
    throw new StudioError(
      'E_MODEL_MISSING',
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `There is no model file ${path} to start from.`
        : `${path} cannot be read: ${(e as Error).message}.`,
    );
  }
  const files = (json.weightsManifest ?? []).flatMap((group) => group.paths);
  const parts: Uint8Array[] = [];
  for (const file of files) {
    try {
      parts.push(await readFile(join(dirname(path), file)));
    } catch {
      throw new StudioError(
        'E_MODEL_MISSING',
        `The weights file ${file} of ${path} is missing; keep it beside the model.json.`,
      );
    }
  }
  return readWeights(json, Buffer.concat(parts));
}
