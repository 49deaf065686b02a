import { importLayersModel, type LayersImport } from './import-layers.ts';
import { isModelClass } from './flatten-layers.ts';

/**
 * A Keras model config as Keras 3 writes it (a `.keras` file's config.json, or the model_config
 * of a `.h5` saved by Keras 3), made into the layout of Keras 2 and the TensorFlow.js converter,
 * which the model.json import reads: each layer's `inbound_nodes` as lists of
 * `[layer, node, tensor, kwargs]` rather than call arguments holding `keras_history`, and the
 * model's inputs and outputs always lists of such triples. A Keras 2 config passes unchanged.
 */

type Json = Record<string, unknown>;

/** Whether a file name or path names a Keras file (.keras, or a legacy .h5) rather than JSON. */
export const isKerasFile = (path: string): boolean => /\.(keras|h5|hdf5)$/i.test(path);

/** Whether a file name or path names an ONNX model. */
export const isOnnxFile = (path: string): boolean => /\.onnx$/i.test(path);

/**
 * A model file the host reads for the page (HDF5 needs WebAssembly, which the page may not run):
 * a Keras file or an ONNX model, whose config the page then imports as a model.json's.
 */
export const isHostReadModelFile = (path: string): boolean => isKerasFile(path) || isOnnxFile(path);

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `keras_history` of every tensor in a call's arguments, in order (lists are walked). */
function tensorsOf(value: unknown): [string, number, number][] {
  if (Array.isArray(value)) return value.flatMap(tensorsOf);
  if (!isObject(value)) return [];
  const history = isObject(value.config) ? value.config.keras_history : undefined;
  if (value.class_name === '__keras_tensor__' && Array.isArray(history)) {
    return [[String(history[0]), Number(history[1] ?? 0), Number(history[2] ?? 0)]];
  }
  return [];
}

/** A Keras 3 inbound node (`{args, kwargs}`) as Keras 2's list; a Keras 2 one as it is. */
function inboundNode(node: unknown): unknown {
  if (!isObject(node)) return node;
  return tensorsOf(node.args).map(([layer, n, t]) => [layer, n, t, {}]);
}

/** Keras 3 writes a model's single input or output as one triple, not a list of them. */
function triples(value: unknown): unknown {
  return Array.isArray(value) && typeof value[0] === 'string' ? [value] : value;
}

function layerOf(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  const config = isObject(raw.config) ? raw.config : {};
  const layer: Json = { ...raw, config, name: raw.name ?? config.name };
  if (Array.isArray(raw.inbound_nodes)) layer.inbound_nodes = raw.inbound_nodes.map(inboundNode);
  return isModelClass(raw.class_name) ? kerasModelConfig(layer) : layer;
}

/** The model config (and every model nested in it) in the layout the model.json import reads. */
export function kerasModelConfig(model: unknown): unknown {
  if (!isObject(model) || !isObject(model.config)) return model;
  const config: Json = { ...model.config };
  if (Array.isArray(config.layers)) config.layers = config.layers.map(layerOf);
  if (config.input_layers !== undefined) config.input_layers = triples(config.input_layers);
  if (config.output_layers !== undefined) config.output_layers = triples(config.output_layers);
  return { ...model, config };
}

/** Every layer of a model config by name, nested models' layers included. */
export function kerasLayersByName(
  model: unknown,
): Map<string, { className: string; config: Json }> {
  const byName = new Map<string, { className: string; config: Json }>();
  const walk = (m: unknown) => {
    const layers = isObject(m) && isObject(m.config) ? m.config.layers : undefined;
    for (const layer of Array.isArray(layers) ? layers : []) {
      if (!isObject(layer)) continue;
      const config = isObject(layer.config) ? layer.config : {};
      const name = String(layer.name ?? config.name ?? '');
      byName.set(name, { className: String(layer.class_name), config });
      if (isModelClass(layer.class_name)) walk(layer);
    }
  };
  walk(model);
  return byName;
}

/** A Keras file's model config as a graph document, as a model.json is imported. */
export function importKerasModel(model: unknown, name: string): LayersImport {
  if (!isObject(model) || !isModelClass(model.class_name)) {
    return {
      ok: false,
      sentences: [
        `The file's model is ${isObject(model) && model.class_name !== undefined ? `a ${String(model.class_name)}` : 'not a Keras model config'}; the studio opens Functional, Model and Sequential models.`,
      ],
    };
  }
  return importLayersModel({ modelTopology: { model_config: kerasModelConfig(model) } }, name);
}
