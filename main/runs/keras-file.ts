import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import h5wasm, { type Group } from 'h5wasm/node';
import { kerasLayersByName } from '../../core/graph/keras-config.ts';
import { StudioError } from '../../core/problems.ts';
import { readRegularFile } from '../fs/regular-file.ts';
import type { Weight } from './weight.ts';

/**
 * Keras' own files, read without Keras: a Keras 3 `.keras` (a zip of config.json and
 * model.weights.h5) or a legacy `.h5` (Keras 2's, or Keras 3's `save('x.h5')`: the model_config
 * attribute and the weights under model_weights). The weights come out named as TensorFlow.js
 * names them ("conv1/kernel"), so a run starts from them as from a model.json's.
 */

export interface KerasFile {
  /** The model config as the file holds it (Keras 3's layout or Keras 2's). */
  readonly model: unknown;
  readonly weights: Map<string, Weight>;
}

/** Whether a path names a Keras file rather than a model.json. */

/** A layer's variables in the order Keras saves them (trainable first, as each layer makes them). */
const VARIABLE_ORDER: Readonly<Record<string, readonly string[]>> = {
  Conv2D: ['kernel', 'bias'],
  Conv2DTranspose: ['kernel', 'bias'],
  DepthwiseConv2D: ['depthwise_kernel', 'bias'],
  SeparableConv2D: ['depthwise_kernel', 'pointwise_kernel', 'bias'],
  Dense: ['kernel', 'bias'],
  BatchNormalization: ['gamma', 'beta', 'moving_mean', 'moving_variance'],
};

const refuse = (message: string) => new StudioError('E_IMPORT', message);

/** Keras' snake_case of a class name, as it names a layer's group in model.weights.h5. */
const snakeCase = (name: string) =>
  name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();

function asWeight(entity: unknown, where: string): Weight {
  const dataset = entity as { shape?: number[] | null; value?: unknown };
  const value = dataset.value;
  if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw refuse(`The weight ${where} is not stored as float32 numbers; the studio reads float32 weights.`);
  }
  return { shape: dataset.shape ?? [], values: Float32Array.from(value) };
}

const groupAt = (group: Group, name: string): Group | undefined => {
  const entity = group.get(name);
  return entity instanceof h5wasm.Group ? entity : undefined;
};

function attribute(group: Group, name: string): unknown {
  return group.attrs[name]?.value;
}

const text = (v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));

/**
 * Keras 3's model.weights.h5: `layers/<path>/vars/<i>`, each layer's group path made from its
 * class (conv2d, conv2d_1, …) and its `vars` group naming the layer (Keras 3.x writes a `name`
 * attribute; before it, the paths follow the config's order of layers).
 */
function keras3Weights(root: Group, model: unknown, weights: Map<string, Weight>): void {
  const layers = kerasLayersByName(model);
  const walk = (group: Group, configLayers: unknown[]) => {
    const used = new Map<string, number>();
    const byPath = new Map<string, string>();
    for (const layer of configLayers as { class_name?: string; name?: string; config?: { name?: string } }[]) {
      const base = snakeCase(String(layer.class_name));
      const n = used.get(base);
      used.set(base, (n ?? -1) + 1);
      byPath.set(n === undefined ? base : `${base}_${n + 1}`, String(layer.name ?? layer.config?.name));
    }
    for (const path of group.keys()) {
      const entry = groupAt(group, path);
      if (!entry) continue;
      const vars = groupAt(entry, 'vars');
      const name = vars && attribute(vars, 'name') !== undefined ? text(attribute(vars, 'name')) : byPath.get(path);
      const inner = groupAt(entry, 'layers');
      if (inner) {
        const nested = (layers.get(name ?? '')?.config.layers ?? []) as unknown[];
        walk(inner, nested);
      }
      if (!vars || name === undefined || vars.keys().length === 0) continue;
      const order = VARIABLE_ORDER[layers.get(name)?.className ?? ''] ?? [];
      const config = layers.get(name)?.config ?? {};
      const names = order.filter((v) => v !== 'bias' || config.use_bias !== false);
      for (const key of vars.keys()) {
        const variable = names[Number(key)] ?? key;
        weights.set(`${name}/${variable}`, asWeight(vars.get(key), `layers/${path}/vars/${key}`));
      }
    }
  };
  const top = groupAt(root, 'layers');
  const config = (model as { config?: { layers?: unknown[] } }).config;
  if (top) walk(top, config?.layers ?? []);
}

/**
 * Keras 2's HDF5 weights (also what Keras 3 writes to a `.h5`): per layer a group with the
 * attribute weight_names ("conv1/kernel:0", or "inner_model/conv1/kernel"), each weight at that
 * path in the group. Named here by its last two parts, the layer and the variable.
 */
function legacyWeights(group: Group, model: unknown, weights: Map<string, Weight>): void {
  const classes = kerasLayersByName(model);
  const layerNames = attribute(group, 'layer_names');
  for (const layer of Array.isArray(layerNames) ? layerNames.map(text) : []) {
    const layerGroup = groupAt(group, layer);
    const names = layerGroup ? attribute(layerGroup, 'weight_names') : undefined;
    if (!layerGroup || !Array.isArray(names)) continue;
    for (const path of names.map(text)) {
      const [owner = '', variable = ''] = path.replace(/:\d+$/, '').split('/').slice(-2);
      // Keras 3 names a DepthwiseConv2D's kernel `kernel`; Keras 2 and TensorFlow.js, as the
      // graph's layer does, `depthwise_kernel`.
      const depthwise = classes.get(owner)?.className === 'DepthwiseConv2D' && variable === 'kernel';
      const name = `${owner}/${depthwise ? 'depthwise_kernel' : variable}`;
      weights.set(name, asWeight(layerGroup.get(path), `model_weights/${layer}/${path}`));
    }
  }
}

/** Opens HDF5 bytes with h5wasm (which reads files by path) and gives `read`'s answer. */
async function withHdf5<T>(bytes: Uint8Array, what: string, read: (file: Group) => T): Promise<T> {
  await h5wasm.ready;
  const dir = await mkdtemp(join(tmpdir(), 'mts-keras-'));
  try {
    const path = join(dir, 'model.h5');
    await writeFile(path, bytes);
    let file: InstanceType<typeof h5wasm.File>;
    try {
      file = new h5wasm.File(path, 'r');
    } catch {
      throw refuse(`${what} is not an HDF5 file.`);
    }
    try {
      return read(file);
    } finally {
      file.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const isHdf5 = (bytes: Uint8Array) => HDF5_SIGNATURE.every((b, i) => bytes[i] === b);
const isZip = (bytes: Uint8Array) => bytes[0] === 0x50 && bytes[1] === 0x4b;

function parseConfig(json: string, where: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (e) {
    throw refuse(`${where} is not JSON: ${(e as Error).message}.`);
  }
}

/**
 * A Keras file's model config and weights (unless `withWeights` is false: the config alone, as
 * the app opens it), from its bytes; `name` names it in the sentences.
 */
export async function readKerasBytes(
  bytes: Uint8Array,
  name: string,
  withWeights = true,
): Promise<KerasFile> {
  if (isHdf5(bytes)) {
    return withHdf5(bytes, name, (file) => {
      const config = attribute(file, 'model_config');
      if (config === undefined) {
        throw refuse(
          `${name} has no model_config attribute: it holds weights only (save_weights); save the whole model (model.save) to open it.`,
        );
      }
      const model = parseConfig(text(config), `The model_config of ${name}`);
      const weights = new Map<string, Weight>();
      if (withWeights) legacyWeights(groupAt(file, 'model_weights') ?? file, model, weights);
      return { model, weights };
    });
  }
  if (!isZip(bytes)) {
    throw refuse(`${name} is neither a Keras 3 .keras file (a zip) nor a legacy .h5 file (HDF5).`);
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => f.name === 'config.json' || f.name === 'model.weights.h5',
    });
  } catch (e) {
    throw refuse(`${name} is not a readable zip: ${(e as Error).message}.`);
  }
  const config = entries['config.json'];
  if (!config) throw refuse(`${name} has no config.json; a .keras file holds the model's config in it.`);
  const model = parseConfig(new TextDecoder().decode(config), `The config.json of ${name}`);
  const weightsFile = entries['model.weights.h5'];
  const weights = new Map<string, Weight>();
  if (weightsFile && withWeights) {
    await withHdf5(weightsFile, `The model.weights.h5 of ${name}`, (file) =>
      keras3Weights(file, model, weights),
    );
  }
  return { model, weights };
}

/** The Keras file at `path`, read as a plain file. */
export async function readKerasFile(path: string, signal?: AbortSignal): Promise<KerasFile> {
  const bytes = await readRegularFile(path, { what: 'Keras model file', ...(signal ? { signal } : {}) });
  return readKerasBytes(bytes, basename(path));
}
