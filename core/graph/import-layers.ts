import { ACTIVATIONS, type ActivationName } from '../nodes/fields.ts';
import { kindSpec, type NodeKind } from '../nodes/registry.ts';
import { NODE_ID_PATTERN, TASK_NAME_PATTERN } from '../ids.ts';
import { flattenModel, isModelClass, type KerasLayer } from './flatten-layers.ts';
import { GRAPH_FORMAT, GRAPH_VERSION } from './schema.ts';

/**
 * A TensorFlow.js Layers model.json (what tensorflowjs_converter makes from a Keras model, and
 * what the studio exports) as a graph document: layers become node kinds with their names as
 * node ids, the model's outputs become heads (softmax → classification, 4 sigmoid units → box,
 * linear → regression). Anything the studio cannot represent is named, one sentence per layer,
 * and then no graph is given: nothing is half-imported.
 */
export type LayersImport =
  | {
      readonly ok: true;
      readonly document: Record<string, unknown>;
      /** What came in, for the user: the input's size and each inferred head. */
      readonly report: string;
    }
  | { readonly ok: false; readonly sentences: readonly string[] };

type Mapped = { kind: NodeKind; params: Record<string, unknown> } | string;

const pairOf = (v: unknown): [number, number] | undefined =>
  Array.isArray(v) && v.length === 2
    ? [Number(v[0]), Number(v[1])]
    : typeof v === 'number'
      ? [v, v]
      : undefined;

/** ZeroPadding2D's padding (n, (rows, cols) or ((top, bottom), (left, right))) as four sides. */
function paddingSides(v: unknown): [number, number, number, number] | undefined {
  if (typeof v === 'number') return [v, v, v, v];
  if (!Array.isArray(v) || v.length !== 2) return undefined;
  const [rows, cols] = (v as unknown[]).map((p) => (typeof p === 'number' ? [p, p] : p));
  if (!Array.isArray(rows) || !Array.isArray(cols) || rows.length !== 2 || cols.length !== 2)
    return undefined;
  return [Number(rows[0]), Number(rows[1]), Number(cols[0]), Number(cols[1])];
}

/** One side for a square window, or a sentence. */
function square(layer: KerasLayer, field: string, fallback?: [number, number]): number | string {
  const pair = pairOf(layer.config[field]) ?? fallback;
  if (!pair) return `${describe(layer)} has no ${field}.`;
  if (pair[0] !== pair[1]) {
    return `${describe(layer)} has a ${pair[0]}×${pair[1]} ${field}; the studio's layers have square ones.`;
  }
  return pair[0];
}

const describe = (layer: KerasLayer) => `The layer '${layer.name}' (${layer.class_name})`;

const isActivation = (a: string): a is ActivationName =>
  (ACTIVATIONS as readonly string[]).includes(a);

/** The layer's activation, or the sentence saying the studio has no such activation. */
function activationOf(layer: KerasLayer): string {
  const a = String(layer.config.activation ?? 'linear');
  return isActivation(a)
    ? a
    : `${describe(layer)} uses the activation '${a}', which the studio does not have.`;
}

function channelsLast(layer: KerasLayer): string | undefined {
  const format = layer.config.data_format;
  return format === undefined || format === 'channels_last'
    ? undefined
    : `${describe(layer)} is channels-first; the studio's images are channels-last.`;
}

/** A convolution of either direction: square kernel and strides, no dilation, channels-last. */
function convolution(layer: KerasLayer, kind: 'Conv2D' | 'Conv2DTranspose'): Mapped {
  const c = layer.config;
  const kernelSize = square(layer, 'kernel_size');
  const strides = square(layer, 'strides', [1, 1]);
  const dilation = square(layer, 'dilation_rate', [1, 1]);
  const activation = activationOf(layer);
  if (typeof kernelSize === 'string') return kernelSize;
  if (typeof strides === 'string') return strides;
  if (!isActivation(activation)) return activation;
  if (dilation !== 1) return `${describe(layer)} is dilated; the studio's ${kind} is not.`;
  return (
    channelsLast(layer) ?? {
      kind,
      params: {
        filters: c.filters,
        kernelSize,
        strides,
        padding: c.padding,
        activation,
        useBias: c.use_bias ?? true,
      },
    }
  );
}

/** A layer that is not an output, as a node kind and its params, or why it cannot be one. */
function mapLayer(layer: KerasLayer, inputs: number): Mapped {
  const c = layer.config;
  switch (layer.class_name) {
    case 'InputLayer': {
      const shape = (c.batch_input_shape ?? c.batch_shape) as unknown[] | undefined;
      if (!shape || shape.length !== 4) {
        return `${describe(layer)} takes ${JSON.stringify(shape?.slice(1))}; the studio's input is an image [height, width, channels].`;
      }
      return { kind: 'Input', params: { height: shape[1], width: shape[2], channels: shape[3] } };
    }
    case 'Conv2D':
      if ((c.groups ?? 1) !== 1)
        return `${describe(layer)} is grouped; the studio's Conv2D is not.`;
      return convolution(layer, 'Conv2D');
    case 'Conv2DTranspose':
      if (c.output_padding != null)
        return `${describe(layer)} sets output_padding; the studio's takes the size Keras computes.`;
      return convolution(layer, 'Conv2DTranspose');
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      const kind = layer.class_name;
      const mapped = convolution({ ...layer, config: { filters: 1, ...c } }, 'Conv2D');
      if (typeof mapped === 'string') return mapped.replace("studio's Conv2D", `studio's ${kind}`);
      const { filters, ...rest } = mapped.params;
      const depthMultiplier = c.depth_multiplier ?? 1;
      return {
        kind,
        params: { ...rest, ...(kind === 'SeparableConv2D' ? { filters } : {}), depthMultiplier },
      };
    }
    case 'UpSampling2D': {
      const size = pairOf(c.size ?? [2, 2]);
      if (!size) return `${describe(layer)} has no size.`;
      const interpolation = c.interpolation ?? 'nearest';
      if (interpolation !== 'nearest' && interpolation !== 'bilinear')
        return `${describe(layer)} interpolates '${String(interpolation)}'; the studio's UpSampling2D is nearest or bilinear.`;
      return (
        channelsLast(layer) ?? {
          kind: 'UpSampling2D',
          params: {
            heightFactor: size[0],
            widthFactor: size[1],
            interpolation,
          },
        }
      );
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const poolSize = square(layer, 'pool_size', [2, 2]);
      if (typeof poolSize === 'string') return poolSize;
      const strides = square(layer, 'strides', [poolSize, poolSize]);
      if (typeof strides === 'string') return strides;
      return (
        channelsLast(layer) ?? {
          kind: layer.class_name,
          params: {
            poolSize,
            strides: strides === poolSize ? 0 : strides,
            padding: c.padding ?? 'valid',
          },
        }
      );
    }
    case 'BatchNormalization': {
      const axis = Array.isArray(c.axis) ? c.axis[0] : c.axis;
      if (axis !== -1 && axis !== 3 && axis !== 1)
        return `${describe(layer)} normalises axis ${String(axis)}; the studio's normalises the last.`;
      if (c.center === false || c.scale === false)
        return `${describe(layer)} has no ${c.center === false ? 'offset (center)' : 'scale'}; the studio's BatchNormalization has both.`;
      return { kind: 'BatchNormalization', params: { momentum: c.momentum, epsilon: c.epsilon } };
    }
    case 'Dropout':
      return { kind: 'Dropout', params: { rate: c.rate } };
    case 'Flatten':
      return { kind: 'Flatten', params: {} };
    case 'GlobalAveragePooling2D':
      return c.keepdims
        ? `${describe(layer)} keeps the spatial axes; the studio's gives a vector.`
        : (channelsLast(layer) ?? { kind: 'GlobalAveragePooling2D', params: {} });
    case 'Dense': {
      const activation = activationOf(layer);
      if (!isActivation(activation)) return activation;
      return { kind: 'Dense', params: { units: c.units, activation, useBias: c.use_bias ?? true } };
    }
    case 'Activation': {
      const activation = activationOf(layer);
      if (!isActivation(activation)) return activation;
      return { kind: 'Activation', params: { activation } };
    }
    case 'ZeroPadding2D': {
      const sides = paddingSides(c.padding);
      if (!sides)
        return `${describe(layer)} has the padding ${JSON.stringify(c.padding)}, which is not a number, a pair or two pairs.`;
      const [top, bottom, left, right] = sides;
      return channelsLast(layer) ?? { kind: 'ZeroPadding2D', params: { top, bottom, left, right } };
    }
    case 'ReLU': {
      if (Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0)
        return `${describe(layer)} has a negative slope or threshold; the studio's ReLU has a maximum only (use LeakyReLU for a slope).`;
      return { kind: 'ReLU', params: { maxValue: c.max_value ?? 0 } };
    }
    case 'LeakyReLU':
      return { kind: 'LeakyReLU', params: { alpha: c.alpha ?? c.negative_slope ?? 0.3 } };
    case 'Softmax': {
      const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
      return axis === -1
        ? { kind: 'Softmax', params: {} }
        : `${describe(layer)} works along axis ${JSON.stringify(axis)}; the studio's Softmax works along the last.`;
    }
    case 'Reshape': {
      const target = c.target_shape as unknown[] | undefined;
      return Array.isArray(target) &&
        (target.length === 1 || target.length === 3) &&
        target.every((d) => Number.isInteger(d) && Number(d) > 0)
        ? { kind: 'Reshape', params: { shape: target.join('x') } }
        : `${describe(layer)} makes ${JSON.stringify(target)}; the studio reshapes to an image [height, width, channels] or a vector [n] of known sizes.`;
    }
    case 'Concatenate': {
      // Keras counts the batch axis; the node's axis does not.
      // (A value that is not a number is left for the node's schema to refuse.)
      const axis = c.axis ?? -1;
      if (axis === 0) return `${describe(layer)} joins along the batch axis, which no node does.`;
      const shifted = typeof axis === 'number' && axis > 0 ? axis - 1 : axis;
      return { kind: 'Concatenate', params: { inputs, axis: shifted } };
    }
    case 'Add':
      return { kind: 'Add', params: { inputs } };
    case 'Multiply':
      return { kind: 'Multiply', params: { inputs } };
    // The studio's own layers, as its TensorFlow.js export writes them.
    case 'Gate':
      return { kind: 'Gate', params: { experts: c.experts ?? inputs - 1 } };
    case 'CrossStitch':
      return {
        kind: 'CrossStitch',
        params: { columns: c.columns ?? inputs, selfWeight: c.self_weight ?? 0.9 },
      };
    default:
      return `${describe(layer)} has no counterpart among the studio's node kinds.`;
  }
}

/**
 * An output layer as a head: softmax → classification, 4 sigmoid units → box, other sigmoid
 * units → attributes, linear → regression.
 */
function mapHead(layer: KerasLayer, task: string): Mapped {
  if (layer.class_name !== 'Dense') {
    return `${describe(layer)} is an output of the model, and only a Dense layer can be a task head.`;
  }
  const units = Number(layer.config.units);
  const activation = String(layer.config.activation ?? 'linear');
  if ((layer.config.use_bias ?? true) === false)
    return `${describe(layer)} is an output without a bias; the studio's heads have one.`;
  if (activation === 'softmax')
    return { kind: 'ClassificationHead', params: { task, target: 'class', classes: units } };
  if (activation === 'sigmoid' && units === 4)
    return { kind: 'BoxHead', params: { task, target: 'box' } };
  if (activation === 'sigmoid')
    return { kind: 'AttributesHead', params: { task, target: 'attributes', attributes: units } };
  if (activation === 'linear')
    return { kind: 'RegressionHead', params: { task, target: 'values', units } };
  return `${describe(layer)} is an output with ${units} ${activation} units; a head is softmax (classes), sigmoid (4 for a box, else attributes) or linear (values).`;
}

/** A task name from a layer name, unique among the heads. */
function taskName(name: string, used: Set<string>): string {
  let task =
    name
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .replace(/^[^A-Za-z]+/, '')
      .slice(0, 40) || 'task';
  for (let i = 2; used.has(task) || !TASK_NAME_PATTERN.test(task); i++)
    task = `${task.slice(0, 36)}_${i}`;
  used.add(task);
  return task;
}

export function importLayersModel(modelJson: unknown, name = 'imported model'): LayersImport {
  const topology = (modelJson as { modelTopology?: Record<string, unknown> })?.modelTopology;
  const model = (topology?.model_config ?? topology) as
    { class_name?: string; config?: Record<string, unknown> } | undefined;
  if (!model || !isModelClass(model.class_name)) {
    return {
      ok: false,
      sentences: [
        'The file is not a TensorFlow.js Layers model: its modelTopology has no Model, Functional or Sequential model.',
      ],
    };
  }
  const flat = flattenModel(model);
  if (!flat.ok) return flat;
  const { layers, outputs } = flat.model;
  const sentences: string[] = [];
  const nodes: Record<string, unknown>[] = [];
  const edges: Record<string, unknown>[] = [];
  const usedTasks = new Set<string>();
  const feeds = new Map<string, number>();
  const report = { input: '', heads: [] as string[] };
  for (const layer of layers) {
    const inbound = (layer.inbound_nodes ?? []) as unknown[][];
    if (inbound.length > 1)
      sentences.push(
        `${describe(layer)} is used ${inbound.length} times; the studio's nodes are used once.`,
      );
    for (const [source] of (inbound[0] ?? []) as [string][])
      feeds.set(source, (feeds.get(source) ?? 0) + 1);
  }
  const depth = new Map<string, number>();
  for (const layer of layers) {
    if (!NODE_ID_PATTERN.test(layer.name)) {
      sentences.push(
        `${describe(layer)} has a name the studio cannot use as a node id (letters, digits, _ and -, starting with a letter).`,
      );
      continue;
    }
    const sources = ((layer.inbound_nodes?.[0] ?? []) as [string][]).map(([s]) => s);
    const isOutput = outputs.includes(layer.name);
    if (isOutput && feeds.has(layer.name))
      sentences.push(
        `${describe(layer)} is an output that also feeds other layers; a task head ends its branch.`,
      );
    const mapped = isOutput
      ? mapHead(layer, taskName(layer.name, usedTasks))
      : mapLayer(layer, sources.length);
    if (typeof mapped === 'string') {
      sentences.push(mapped);
      continue;
    }
    const checked = kindSpec(mapped.kind).params.safeParse(mapped.params);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      sentences.push(
        `${describe(layer)} has ${issue?.path.join('.') ?? 'a setting'} outside what the studio's ${mapped.kind} takes: ${issue?.message ?? ''}.`,
      );
      continue;
    }
    const spec = kindSpec(mapped.kind);
    if (mapped.kind === 'Input') report.input = spec.describe(checked.data);
    if (spec.head)
      report.heads.push(
        `${String(checked.data.task)}: ${spec.title.toLowerCase()}, ${spec.head.units(checked.data)} outputs`,
      );
    const d = Math.max(-1, ...sources.map((s) => depth.get(s) ?? 0)) + 1;
    depth.set(layer.name, d);
    const row = [...depth.values()].filter((v) => v === d).length - 1;
    nodes.push({
      id: layer.name,
      kind: mapped.kind,
      params: checked.data,
      position: { x: d * 220, y: row * 140 },
    });
    const ports = spec.inputPorts(checked.data);
    sources.forEach((source, i) => {
      const port = ports[i] ?? 'in';
      edges.push({
        id: `${source}-${layer.name}${port === 'in' ? '' : `-${port}`}`,
        source,
        target: layer.name,
        targetPort: port,
      });
    });
  }
  if (sentences.length > 0) return { ok: false, sentences };
  return {
    ok: true,
    document: { format: GRAPH_FORMAT, version: GRAPH_VERSION, name, nodes, edges },
    report: `The input is ${report.input}; ${report.heads.length === 1 ? 'the head is' : 'the heads are'} ${report.heads.join('; ')}.`,
  };
}
