import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { thousands } from '../../core/format.ts';
import { StudioError } from '../../core/problems.ts';
import { checkRegularFile, readRegularFile, readRegularText } from '../fs/regular-file.ts';
import { isKerasFile, isOnnxFile } from '../../core/graph/keras-config.ts';
import { readKerasFile } from './keras-file.ts';
import { readOnnxFile } from './onnx-file.ts';
import { WEIGHTS_FILE } from './run-manifest.ts';
import type { Weight } from './weight.ts';

/**
 * The weights of a TensorFlow.js Layers model read from its files, without TensorFlow.js: the
 * export formats, the starting weights of a run and a run's own checkpoints read them the same
 * way.
 */


const weightSpecSchema = z.looseObject({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  quantization: z.looseObject({ dtype: z.string() }).optional(),
});
const manifestSchema = z.array(
  z.looseObject({ paths: z.array(z.string()), weights: z.array(weightSpecSchema) }),
);

export type WeightSpec = z.infer<typeof weightSpecSchema>;
export type WeightsManifest = z.infer<typeof manifestSchema>;

const isMissing = (path: string): Promise<boolean> =>
  stat(path).then(
    () => false,
    (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT',
  );

/** Whether `file` lies in `folder` or below it (by path: a link there may point anywhere). */
function isBelow(folder: string, file: string): boolean {
  const inside = relative(folder, file);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}

/** Bytes per stored value, by dtype (quantized weights by their quantization's dtype). */
const BYTES_PER_VALUE: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  complex64: 8,
  float16: 2,
  uint16: 2,
  bool: 1,
  uint8: 1,
  int8: 1,
};

/** The bytes a weight takes in its file: its values (the product of its shape) × their size. */
function storedBytes(spec: WeightSpec, modelPath: string): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = BYTES_PER_VALUE[dtype];
  if (size === undefined) {
    throw new StudioError(
      'E_RUN_INVALID',
      `The weight '${spec.name}' in ${modelPath} is stored as ${dtype}, which the studio cannot read.`,
    );
  }
  return spec.shape.reduce((a, b) => a * b, 1) * size;
}

/** The manifest of a parsed model.json, checked; `modelPath` names it in the sentences. */
export function weightsManifestOf(modelJson: unknown, modelPath: string): WeightsManifest {
  const manifest = (modelJson as { weightsManifest?: unknown } | null)?.weightsManifest;
  const parsed = manifestSchema.safeParse(manifest ?? []);
  if (!parsed.success) {
    throw new StudioError(
      'E_RUN_INVALID',
      `The weightsManifest of ${modelPath} is not a list of weight files and weights (name, shape, dtype).`,
    );
  }
  return parsed.data;
}

/**
 * The bytes of the weight files the manifest of the model.json at `modelPath` names, joined in
 * its order, with the weights they hold. Each file must sit in the model's folder (or below it),
 * be a plain file, and each group's files hold exactly the bytes its weights declare
 * (dtype × shape); each is read with that bound, and `signal` stops the reading.
 */
export async function readManifestWeights(
  modelPath: string,
  manifest: WeightsManifest,
  signal?: AbortSignal,
): Promise<{ specs: WeightSpec[]; data: Uint8Array }> {
  const folder = resolve(dirname(modelPath));
  const parts: Uint8Array[] = [];
  for (const group of manifest) {
    const files = group.paths.map((name) => {
      const file = resolve(folder, name);
      if (name === '' || isAbsolute(name) || !isBelow(folder, file)) {
        throw new StudioError(
          'E_RUN_INVALID',
          `The weightsManifest of ${modelPath} names '${name}', which is not a file in the model's folder ${folder}; weight files must sit beside the model.json.`,
        );
      }
      return file;
    });
    const declared = group.weights.reduce((n, spec) => n + storedBytes(spec, modelPath), 0);
    const declaredBy = `the weightsManifest of ${modelPath}`;
    const sizes: number[] = [];
    for (const [i, file] of files.entries()) {
      if (await isMissing(file)) {
        throw new StudioError(
          'E_MODEL_MISSING',
          `The weights file ${group.paths[i]} of ${modelPath} is missing; keep it beside the model.json.`,
        );
      }
      sizes.push((await checkRegularFile(file, 'weights file')).size);
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    if (files.length !== 1 && total !== declared) {
      throw new StudioError(
        'E_FILE',
        `The weight files ${files.join(', ')} are ${thousands(total)} bytes together, but ${declaredBy} declares ${thousands(declared)}: ${total < declared ? 'they are cut short' : 'they are longer than declared'}.`,
      );
    }
    for (const [i, file] of files.entries()) {
      parts.push(
        await readRegularFile(file, {
          what: 'weights file',
          // A shard's own size is not declared, only the group's (checked above).
          size:
            files.length === 1
              ? { bytes: declared, declaredBy }
              : { bytes: sizes[i] ?? 0, declaredBy: 'its size when checked' },
          ...(signal ? { signal } : {}),
        }),
      );
    }
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.byteLength;
  }
  return { specs: manifest.flatMap((group) => group.weights), data };
}

/**
 * The weights of a Layers-format model, by name (e.g. "conv1/kernel"). `bin` must hold exactly
 * what the manifest declares; `binName` names it in the sentence when it does not.
 */
export function readWeights(
  modelJson: unknown,
  bin: Uint8Array,
  binName: string = WEIGHTS_FILE,
): Map<string, Weight> {
  const specs = weightsManifestOf(modelJson, 'the model.json').flatMap((group) => group.weights);
  for (const spec of specs) {
    if (spec.dtype !== 'float32' || spec.quantization) {
      throw new StudioError(
        'E_EXPORT_UNSUPPORTED',
        `The weight '${spec.name}' is stored as ${spec.dtype}${spec.quantization ? ' (quantized)' : ''}; only float32 weights can be exported.`,
      );
    }
  }
  const declared = specs.reduce((n, spec) => n + storedBytes(spec, 'the model.json'), 0);
  if (bin.byteLength !== declared) {
    throw new StudioError(
      'E_RUN_INVALID',
      `${binName} is ${thousands(bin.byteLength)} bytes, but its model.json declares ${thousands(declared)}: the file is ${bin.byteLength < declared ? 'cut short' : 'longer than declared'}.`,
    );
  }
  const weights = new Map<string, Weight>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    new Uint8Array(values.buffer).set(bin.subarray(offset, offset + count * 4));
    weights.set(spec.name, { shape: spec.shape, values });
    offset += count * 4;
  }
  return weights;
}

/** The parsed model.json at `path`; anything but a plain file of JSON is a sentence. */
export async function readModelJson(path: string): Promise<unknown> {
  if (await isMissing(path)) {
    throw new StudioError('E_MODEL_MISSING', `There is no model file ${path}.`);
  }
  const text = await readRegularText(path, { what: 'model file' });
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new StudioError('E_RUN_INVALID', `${path} cannot be read as JSON: ${(e as Error).message}.`);
  }
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

/**
 * The weights of the model.json at `path`, its weight files read from beside it, or of the Keras
 * file (.keras, .h5) at `path`.
 */
export async function readWeightsFile(
  path: string,
  signal?: AbortSignal,
): Promise<Map<string, Weight>> {
  if (isKerasFile(path)) return (await readKerasFile(path, signal)).weights;
  if (isOnnxFile(path)) return (await readOnnxFile(path, signal)).weights;
  const json = await readModelJson(path);
  const { data } = await readManifestWeights(path, weightsManifestOf(json, path), signal);
  return readWeights(json, data);
}
