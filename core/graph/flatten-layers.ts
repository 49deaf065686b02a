/**
 * A Keras model config (Sequential, functional, or either with whole models among its layers, as
 * Teachable Machine's image export is) as one flat list of layers in the functional form: each
 * with its name and the names it reads from. The canvas has no nested models, so a model used as
 * a layer is replaced by its own layers, its input joined to whatever fed it.
 */

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

export interface FlatModel {
  readonly layers: KerasLayer[];
  readonly outputs: string[];
}

interface ModelConfig {
  class_name?: string;
  config?: unknown;
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

export const isModelClass = (className: unknown): boolean => MODEL_CLASSES.has(String(className));

const layerName = (layer: { name?: unknown; config?: Record<string, unknown> }): string =>
  String(layer.config?.name ?? layer.name ?? '');

/** The layers of a Sequential config: Keras 2.2 wrote a bare list, later versions `{name, layers}`. */
function sequentialLayers(config: unknown): KerasLayer[] {
  const list = Array.isArray(config)
    ? config
    : ((config as { layers?: unknown[] } | undefined)?.layers ?? []);
  return (list as KerasLayer[]).map((l) => ({ ...l, config: l.config ?? {}, name: layerName(l) }));
}

const feed = (source: string) => [[[source, 0, 0, {}]]];

class Flattener {
  readonly layers: KerasLayer[] = [];
  readonly sentences: string[] = [];

  /** Adds a model's layers reading from `input` (none at the top), and gives its outputs' names. */
  outputs(model: ModelConfig, name: string, input: string | undefined): string[] {
    if (model.class_name !== 'Sequential')
      return this.functional((model.config ?? {}) as Record<string, unknown>, name, input);
    const output = this.sequential(sequentialLayers(model.config), name, input);
    return output === undefined ? [] : [output];
  }

  private sequential(layers: KerasLayer[], name: string, input: string | undefined) {
    let previous = input;
    for (const [i, layer] of layers.entries()) {
      if (isModelClass(layer.class_name)) {
        previous = this.outputs(layer, layer.name, previous)[0];
        if (previous === undefined) return undefined;
        continue;
      }
      if (layer.class_name === 'InputLayer') {
        // A nested model's own input is where the outer model feeds it.
        if (previous === undefined) {
          this.layers.push({ ...layer, inbound_nodes: [] });
          previous = layer.name;
        }
        continue;
      }
      if (previous === undefined) {
        // Keras makes the input of a Sequential from its first layer's batch_input_shape.
        const shape = layer.config.batch_input_shape ?? layer.config.batch_shape;
        if (i !== 0 || !shape) {
          this.sentences.push(
            `The Sequential model '${name}' does not say its input's shape (no InputLayer and no batch_input_shape on its first layer).`,
          );
          return undefined;
        }
        previous = `${layer.name}_input`;
        this.layers.push({
          name: previous,
          class_name: 'InputLayer',
          config: { name: previous, batch_input_shape: shape },
          inbound_nodes: [],
        });
      }
      this.layers.push({ ...layer, inbound_nodes: feed(previous) });
      previous = layer.name;
    }
    return previous;
  }

  /** The outputs of a functional model; a nested one's input layer becomes `input`. */
  private functional(config: Record<string, unknown>, name: string, input: string | undefined) {
    const inputs = ((config.input_layers ?? []) as [string][]).map((l) => l[0]);
    const outputs = ((config.output_layers ?? []) as [string][]).map((l) => l[0]);
    if (input !== undefined && (inputs.length !== 1 || outputs.length !== 1)) {
      this.sentences.push(
        `The model '${name}' is used as a layer with ${inputs.length} inputs and ${outputs.length} outputs; a model inside another must have one of each.`,
      );
      return [];
    }
    // A nested model's layers are renamed to what replaces them: its input, an inner model's output.
    const alias = new Map<string, string>();
    const resolve = (n: string) => alias.get(n) ?? n;
    for (const layer of (config.layers ?? []) as KerasLayer[]) {
      const inbound = ((layer.inbound_nodes ?? []) as unknown[][]).map((node) =>
        (node as unknown[][]).map(([source, ...rest]) => [resolve(String(source)), ...rest]),
      );
      if (input !== undefined && layer.class_name === 'InputLayer') {
        alias.set(layer.name, input);
      } else if (isModelClass(layer.class_name)) {
        const source = inbound[0]?.[0]?.[0] as string | undefined;
        const output = this.outputs(layer, layer.name, source)[0];
        if (output !== undefined) alias.set(layer.name, output);
      } else {
        this.layers.push({ ...layer, inbound_nodes: inbound });
      }
    }
    return outputs.map(resolve);
  }
}

/** The flat layers and output names of a model config, or the sentences saying why not. */
export function flattenModel(
  model: ModelConfig,
): { ok: true; model: FlatModel } | { ok: false; sentences: string[] } {
  const flattener = new Flattener();
  const name = layerName(model as { config?: Record<string, unknown> }) || 'model';
  const outputs = flattener.outputs(model, name, undefined);
  if (flattener.sentences.length > 0) return { ok: false, sentences: flattener.sentences };
  return { ok: true, model: foldOutputActivations({ layers: flattener.layers, outputs }) };
}

const sourcesOf = (layer: KerasLayer): string[] =>
  (((layer.inbound_nodes ?? [])[0] ?? []) as [string][]).map(([s]) => s);

/** The function of an activation layer at the end of a model, if it is one. */
function outputFunction(layer: KerasLayer): string | undefined {
  if (layer.class_name === 'Activation') return String(layer.config.activation ?? 'linear');
  const axis = layer.config.axis ?? -1;
  return layer.class_name === 'Softmax' && (axis === -1 || String(axis) === '-1')
    ? 'softmax'
    : undefined;
}

/**
 * Keras models often end in a linear Dense and then an Activation (or Softmax) layer. A head is
 * one Dense with its activation, so the two become one, named after the Dense, whose weights
 * they are.
 */
function foldOutputActivations(model: FlatModel): FlatModel {
  const readers = new Map<string, number>();
  for (const layer of model.layers)
    for (const source of sourcesOf(layer)) readers.set(source, (readers.get(source) ?? 0) + 1);
  let layers = model.layers;
  const outputs = model.outputs.map((name) => {
    const layer = layers.find((l) => l.name === name);
    const fn = layer && outputFunction(layer);
    const [source, ...more] = layer ? sourcesOf(layer) : [];
    const dense = layers.find((l) => l.name === source);
    if (
      !layer ||
      !fn ||
      more.length > 0 ||
      dense?.class_name !== 'Dense' ||
      (dense.config.activation ?? 'linear') !== 'linear' ||
      readers.get(dense.name) !== 1 ||
      model.outputs.includes(dense.name)
    )
      return name;
    layers = layers
      .filter((l) => l !== layer)
      .map((l) => (l === dense ? { ...dense, config: { ...dense.config, activation: fn } } : l));
    return dense.name;
  });
  return { layers, outputs };
}
