import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { transposedOutputLength } from '../../core/nodes/conv2d-transpose.ts';
import { StudioError } from '../../core/problems.ts';
import { transposedCrop, windowPadding } from '../export/layer-config.ts';
import { isOnnxFile } from '../../core/graph/keras-config.ts';
import { readRegularFile } from '../fs/regular-file.ts';
import { readKerasBytes } from './keras-file.ts';
import { basename } from 'node:path';
import {
  ACTIVATIONS,
  kerasConvKernel,
  kerasDenseKernel,
  floatOf,
  intOf,
  intsOf,
  stringOf,
  tensorValues,
  type Constant,
} from './onnx-nodes.ts';
import type { Weight } from './weight.ts';

// onnx-proto is CommonJS: Node's ES modules see only its default export.
const { onnx } = onnxProto;

/**
 * The model config of a model file the page opened (a Keras file or an ONNX model), from its
 * bytes: what the host hands back for the import.
 */
export async function readModelConfig(bytes: Uint8Array, name: string): Promise<unknown> {
  return isOnnxFile(name)
    ? readOnnxBytes(bytes, name).model
    : (await readKerasBytes(bytes, name, false)).model;
}

/** The ONNX model at `path`, read as a plain file. */
export async function readOnnxFile(path: string, signal?: AbortSignal) {
  const bytes = await readRegularFile(path, { what: 'ONNX model file', ...(signal ? { signal } : {}) });
  return readOnnxBytes(bytes, basename(path));
}


/**
 * An ONNX graph of the operators the canvas can express, as a Keras model config in the layout
 * the model.json import reads, with its weights in Keras' layout named as TensorFlow.js names
 * them. Images travel channels-first in ONNX and channels-last on the canvas: kernels are
 * transposed, and a vector flattened from a channels-first image (PyTorch's Flatten) has its
 * features in another order, which the Dense after it takes by reordering its kernel's rows,
 * as the ONNX export does the reverse.
 */

interface Value {
  readonly layer: string;
  /** 'chw': a vector flattened from a channels-first image, its features in C, H, W order. */
  readonly layout: 'nchw' | 'nhwc' | 'vector' | 'chw' | 'pooled';
  /** [h, w, c] of an image; [n] of a vector; [c, h, w] of a 'chw' vector. */
  readonly shape: readonly number[];
}

interface Layer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, object][][];
}



const refuse = (message: string) => new StudioError('E_IMPORT', message);


/** The ONNX model's graph as a Keras model config and weights; `name` names it in sentences. */
export function readOnnxBytes(
  bytes: Uint8Array,
  name: string,
): { model: unknown; weights: Map<string, Weight> } {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw refuse(`${name} is not an ONNX model: ${(e as Error).message}.`);
  }
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0) throw refuse(`${name} holds no ONNX graph.`);
  const constants = new Map<string, Constant>();
  for (const t of graph.initializer ?? []) constants.set(String(t.name), tensorValues(t));
  const consumers = new Map<string, OnnxTypes.INodeProto[]>();
  for (const node of graph.node ?? [])
    for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);

  const layers: Layer[] = [];
  const weights = new Map<string, Weight>();
  const values = new Map<string, Value>();
  const used = new Set<string>();
  const sentences: string[] = [];
  const layerName = (stem: string) => {
    let base = stem.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z]+/, '').slice(0, 56) || 'layer';
    base = base.replace(/_+$/, '') || 'layer';
    let n = base;
    for (let i = 2; used.has(n); i++) n = `${base}_${i}`;
    used.add(n);
    return n;
  };
  const add = (stem: string, className: string, config: Record<string, unknown>, from: string[]) => {
    const layer: Layer = {
      name: layerName(stem),
      class_name: className,
      config,
      inbound_nodes: from.length > 0 ? [from.map((s) => [s, 0, 0, {}])] : [],
    };
    layer.config.name = layer.name;
    layers.push(layer);
    return layer;
  };
  const weight = (layer: string, variable: string, shape: number[], v: Float32Array) =>
    weights.set(`${layer}/${variable}`, { shape, values: v });

  const input = (graph.input ?? []).find((i) => !constants.has(String(i.name)));
  const dims = (input?.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue ?? 0));
  if (!input || dims.length !== 4) {
    throw refuse(`${name}'s input is not an image [N, C, H, W] or [N, H, W, C]; the studio's is.`);
  }
  const inputName = String(input.name);
  const channelsLastInput = (consumers.get(inputName) ?? []).every(
    (n) => n.opType === 'Transpose' && intsOf(n, 'perm')?.join() === '0,3,1,2',
  );
  const [, a = 0, b = 0, c = 0] = dims;
  const imageShape = channelsLastInput ? [a, b, c] : [b, c, a];
  const inputLayer = add(inputName, 'InputLayer', { batch_input_shape: [null, ...imageShape] }, []);
  values.set(inputName, {
    layer: inputLayer.name,
    layout: channelsLastInput ? 'nhwc' : 'nchw',
    shape: imageShape,
  });

  for (const node of graph.node ?? []) {
    const op = String(node.opType);
    const what = `The ONNX node '${node.name || node.output?.[0]}' (${op})`;
    const out = String(node.output?.[0] ?? '');
    if (op === 'Constant') {
      const t = node.attribute?.find((x) => x.name === 'value')?.t;
      if (t) constants.set(out, tensorValues(t));
      continue;
    }
    const ins = (node.input ?? []).filter((i) => i !== '');
    const x = values.get(ins[0] ?? '');
    if (!x) {
      sentences.push(`${what} reads '${ins[0]}', which is not an image or features the studio follows.`);
      continue;
    }
    const set = (v: Value) => values.set(out, v);
    const constant = (i: number) => constants.get(node.input?.[i] ?? '');
    const stem = node.name || out;
    const activation = ACTIVATIONS[op];
    if (activation) {
      const layer = add(stem, 'Activation', { activation }, [x.layer]);
      set({ ...x, layer: layer.name });
      continue;
    }
    switch (op) {
      case 'Identity':
      case 'Dropout':
        set(x);
        break;
      case 'Transpose': {
        const perm = intsOf(node, 'perm')?.join();
        if (x.layout === 'nhwc' && perm === '0,3,1,2') set({ ...x, layout: 'nchw' });
        else if (x.layout === 'nchw' && perm === '0,2,3,1') set({ ...x, layout: 'nhwc' });
        else sentences.push(`${what} permutes the axes as ${perm}; the studio follows only NCHW ↔ NHWC.`);
        break;
      }
      case 'Clip':
      case 'LeakyRelu': {
        if (op === 'LeakyRelu') {
          const layer = add(stem, 'LeakyReLU', { alpha: floatOf(node, 'alpha') ?? 0.01 }, [x.layer]);
          set({ ...x, layer: layer.name });
          break;
        }
        const low = Number(constant(1)?.values[0] ?? floatOf(node, 'min') ?? -Infinity);
        const high = constant(2)?.values[0] ?? floatOf(node, 'max');
        if (low !== 0) {
          sentences.push(`${what} clips below at ${low}; the studio's ReLU clips at 0.`);
          break;
        }
        const layer = add(stem, 'ReLU', high === undefined ? {} : { max_value: Number(high) }, [x.layer]);
        set({ ...x, layer: layer.name });
        break;
      }
      case 'Conv':
      case 'ConvTranspose': {
        if (x.layout !== 'nchw') {
          sentences.push(`${what} reads something that is not an image.`);
          break;
        }
        const w = constant(1);
        const bias = constant(2);
        const [k0 = 0, k1 = 0, kh = 0, kw = 0] = w?.dims ?? [];
        const strides = intsOf(node, 'strides') ?? [1, 1];
        const pads = intsOf(node, 'pads') ?? [0, 0, 0, 0];
        if (!w || (intOf(node, 'group') ?? 1) !== 1 || (intsOf(node, 'dilations') ?? [1, 1]).some((d) => d !== 1)) {
          sentences.push(`${what} is grouped, dilated or has no constant kernel; the studio's are not.`);
          break;
        }
        const [h = 0, wd = 0] = x.shape;
        const transposed = op === 'ConvTranspose';
        const filters = transposed ? k1 : k0;
        let source = x.layer;
        let size = [h, wd];
        let padding: 'same' | 'valid' | undefined;
        if (transposed) {
          const extra = intsOf(node, 'output_padding') ?? [0, 0];
          padding = (['same', 'valid'] as const).find((p) =>
            [0, 1].every((axis) => {
              const length = transposedOutputLength(size[axis]!, [kh, kw][axis]!, strides[axis]!, p);
              const crop = transposedCrop(size[axis]!, length, [kh, kw][axis]!, strides[axis]!);
              return crop.crop[0] === pads[axis] && crop.crop[1] === pads[axis + 2] && crop.extra === extra[axis];
            }),
          );
          if (!padding) {
            sentences.push(`${what} pads and crops as neither 'same' nor 'valid' does.`);
            break;
          }
          size = size.map((s, axis) => transposedOutputLength(s, [kh, kw][axis]!, strides[axis]!, padding!));
        } else {
          const same = windowPadding(size, [kh, kw], [strides[0]!, strides[1]!], 'same');
          padding = pads.every((p, i) => p === same[i]) ? 'same' : 'valid';
          if (padding === 'valid' && pads.some((p) => p !== 0)) {
            const [top = 0, left = 0, bottom = 0, right = 0] = pads;
            source = add(`${stem}_pad`, 'ZeroPadding2D', { padding: [[top, bottom], [left, right]] }, [source]).name;
            size = [h + top + bottom, wd + left + right];
          }
          size = size.map((s, axis) =>
            padding === 'same'
              ? Math.ceil(s / strides[axis]!)
              : Math.floor((s - [kh, kw][axis]!) / strides[axis]!) + 1,
          );
        }
        const layer = add(stem, transposed ? 'Conv2DTranspose' : 'Conv2D', {
          filters,
          kernel_size: [kh, kw],
          strides,
          padding,
          activation: 'linear',
          use_bias: bias !== undefined,
        }, [source]);
        const kernel = kerasConvKernel(w);
        weight(layer.name, 'kernel', [kh, kw, k1, k0], kernel);
        if (bias) weight(layer.name, 'bias', [filters], Float32Array.from(bias.values));
        set({ layer: layer.name, layout: 'nchw', shape: [size[0]!, size[1]!, filters] });
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const [kh = 0, kw = 0] = intsOf(node, 'kernel_shape') ?? [];
        const strides = intsOf(node, 'strides') ?? [1, 1];
        const pads = intsOf(node, 'pads') ?? [0, 0, 0, 0];
        const [h = 0, wd = 0, ch = 0] = x.shape;
        const same = windowPadding([h, wd], [kh, kw], [strides[0]!, strides[1]!], 'same');
        const padding = pads.every((p) => p === 0) ? 'valid' : pads.every((p, i) => p === same[i]) ? 'same' : undefined;
        if (x.layout !== 'nchw' || !padding || (intOf(node, 'ceil_mode') ?? 0) !== 0 || (intOf(node, 'count_include_pad') ?? 0) !== 0) {
          sentences.push(`${what} pads, rounds up or counts padding as the studio's pools do not.`);
          break;
        }
        const layer = add(stem, op === 'MaxPool' ? 'MaxPooling2D' : 'AveragePooling2D', { pool_size: [kh, kw], strides, padding }, [x.layer]);
        const size = [h, wd].map((s, axis) =>
          padding === 'same' ? Math.ceil(s / strides[axis]!) : Math.floor((s - [kh, kw][axis]!) / strides[axis]!) + 1,
        );
        set({ layer: layer.name, layout: 'nchw', shape: [size[0]!, size[1]!, ch] });
        break;
      }
      case 'GlobalAveragePool': {
        const layer = add(stem, 'GlobalAveragePooling2D', {}, [x.layer]);
        set({ layer: layer.name, layout: 'pooled', shape: [x.shape[2] ?? 0] });
        break;
      }
      case 'BatchNormalization': {
        const parts = [1, 2, 3, 4].map(constant);
        if (parts.some((p) => !p) || x.layout === 'chw') {
          sentences.push(`${what} has no constant statistics, or normalises features in channels-first order.`);
          break;
        }
        const layer = add(stem, 'BatchNormalization', {
          axis: -1,
          momentum: floatOf(node, 'momentum') ?? 0.9,
          epsilon: floatOf(node, 'epsilon') ?? 1e-5,
        }, [x.layer]);
        ['gamma', 'beta', 'moving_mean', 'moving_variance'].forEach((v, i) =>
          weight(layer.name, v, [parts[i]!.values.length], Float32Array.from(parts[i]!.values)),
        );
        set({ ...x, layer: layer.name });
        break;
      }
      case 'Flatten':
      case 'Reshape': {
        const target = op === 'Reshape' ? Array.from(constant(1)?.values ?? [], Number) : [0, -1];
        const flat = target.length === 2 && (target[1] === -1 || target[0] === -1 || target[0] === 0);
        if (x.layout === 'pooled' || x.layout === 'vector') {
          set({ ...x, layout: 'vector' });
        } else if (flat && (x.layout === 'nchw' || x.layout === 'nhwc')) {
          const layer = add(stem, 'Flatten', {}, [x.layer]);
          const [h = 0, wd = 0, ch = 0] = x.shape;
          set(
            x.layout === 'nhwc'
              ? { layer: layer.name, layout: 'vector', shape: [h * wd * ch] }
              : { layer: layer.name, layout: 'chw', shape: [ch, h, wd] },
          );
        } else if (x.layout === 'nhwc' && target.length === 4 && target.slice(1).every((d) => d > 0)) {
          const layer = add(stem, 'Reshape', { target_shape: target.slice(1) }, [x.layer]);
          set({ layer: layer.name, layout: 'nhwc', shape: target.slice(1) });
        } else {
          sentences.push(`${what} reshapes to ${JSON.stringify(target)}; the studio follows flattening and channels-last reshapes.`);
        }
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const w = constant(1);
        const transB = op === 'Gemm' && (intOf(node, 'transB') ?? 0) === 1;
        if (!w || w.dims.length !== 2 || (op === 'Gemm' && ((intOf(node, 'transA') ?? 0) !== 0 || (floatOf(node, 'alpha') ?? 1) !== 1 || (floatOf(node, 'beta') ?? 1) !== 1))) {
          sentences.push(`${what} is not a product with a constant [inputs, outputs] matrix.`);
          break;
        }
        if (x.layout !== 'vector' && x.layout !== 'chw') {
          sentences.push(`${what} reads an image; flatten it first.`);
          break;
        }
        const [r = 0, cols = 0] = w.dims;
        const [inputs, units] = transB ? [cols, r] : [r, cols];
        const kernel = kerasDenseKernel(w, transB, x.layout === 'chw' ? x.shape : undefined);
        const bias = op === 'Gemm' ? constant(2) : undefined;
        const layer = add(stem, 'Dense', { units, activation: 'linear', use_bias: bias !== undefined }, [x.layer]);
        weight(layer.name, 'kernel', [inputs, units], kernel);
        if (bias) weight(layer.name, 'bias', [units], Float32Array.from(bias.values));
        set({ layer: layer.name, layout: 'vector', shape: [units] });
        break;
      }
      case 'Add':
      case 'Sum':
      case 'Concat': {
        const bias = ins.length === 2 ? constant(1) : undefined;
        const dense = layers.find((l) => l.name === x.layer);
        if (op === 'Add' && bias && dense?.class_name === 'Dense' && dense.config.use_bias === false) {
          // MatMul then Add: a Dense with its bias.
          dense.config.use_bias = true;
          weight(dense.name, 'bias', [bias.values.length], Float32Array.from(bias.values));
          set(x);
          break;
        }
        const others = ins.map((i) => values.get(i));
        if (others.some((v) => !v || v.layout !== x.layout) || x.layout === 'chw') {
          sentences.push(`${what} joins tensors the studio does not follow, or of different layouts.`);
          break;
        }
        const sources = others.map((v) => v!.layer);
        if (op === 'Concat') {
          const axis = intOf(node, 'axis') ?? 1;
          const keras = x.layout === 'nchw' ? ({ 1: -1, 2: 1, 3: 2 } as Record<number, number>)[axis] : -1;
          const layer = add(stem, 'Concatenate', { axis: keras }, sources);
          const joined = others.reduce((n, v) => n + (v!.shape[x.layout === 'nchw' ? 2 : 0] ?? 0), 0);
          set({ layer: layer.name, layout: x.layout, shape: x.layout === 'nchw' ? [x.shape[0]!, x.shape[1]!, joined] : [joined] });
        } else {
          const layer = add(stem, 'Add', {}, sources);
          set({ ...x, layer: layer.name });
        }
        break;
      }
      case 'Resize': {
        const scales = Array.from(constant(2)?.values ?? [], Number);
        const mode = stringOf(node, 'mode') ?? 'nearest';
        const transform = stringOf(node, 'coordinate_transformation_mode') ?? 'half_pixel';
        const nearestFloor = (stringOf(node, 'nearest_mode') ?? 'round_prefer_floor') === 'floor';
        const interpolation = transform !== 'asymmetric' ? undefined : mode === 'linear' ? 'bilinear' : mode === 'nearest' && nearestFloor ? 'nearest' : undefined;
        if (scales.length !== 4 || !interpolation || x.layout !== 'nchw' || !scales.slice(2).every(Number.isInteger)) {
          sentences.push(`${what} resizes as TensorFlow.js does not (it enlarges by whole factors, samples at y / factor).`);
          break;
        }
        const layer = add(stem, 'UpSampling2D', { size: scales.slice(2), interpolation }, [x.layer]);
        set({ layer: layer.name, layout: 'nchw', shape: [x.shape[0]! * scales[2]!, x.shape[1]! * scales[3]!, x.shape[2]!] });
        break;
      }
      case 'Pad': {
        const pads = Array.from(constant(1)?.values ?? [], Number);
        if (x.layout !== 'nchw' || pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5] || (stringOf(node, 'mode') ?? 'constant') !== 'constant' || Number(constant(2)?.values[0] ?? 0) !== 0) {
          sentences.push(`${what} pads other than with zeros around an image.`);
          break;
        }
        const [top = 0, left = 0, bottom = 0, right = 0] = [pads[2], pads[3], pads[6], pads[7]];
        const layer = add(stem, 'ZeroPadding2D', { padding: [[top, bottom], [left, right]] }, [x.layer]);
        set({ layer: layer.name, layout: 'nchw', shape: [x.shape[0]! + top + bottom, x.shape[1]! + left + right, x.shape[2]!] });
        break;
      }
      default:
        sentences.push(`${what} has no counterpart among the studio's node kinds.`);
    }
  }
  if (sentences.length > 0) throw refuse(`${name} cannot be imported: ${sentences.join(' ')}`);

  // Each output is named as the graph names it: a head and its task take that name.
  const outputs: string[] = [];
  const renames = new Map<string, string>();
  for (const o of graph.output ?? []) {
    const v = values.get(String(o.name));
    if (!v || (v.layout !== 'vector' && v.layout !== 'pooled')) {
      throw refuse(`${name}'s output '${o.name}' is not a vector of features; the studio's heads give vectors.`);
    }
    const last = layers.find((l) => l.name === v.layer)!;
    const source = last.inbound_nodes[0]?.[0]?.[0];
    const dense = last.class_name === 'Activation' ? layers.find((l) => l.name === source) : undefined;
    const wanted = String(o.name).replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z]+/, '');
    if (wanted && !used.has(wanted)) {
      used.add(wanted);
      if (dense?.class_name === 'Dense') {
        renames.set(dense.name, wanted);
        renames.set(last.name, layerName(`${wanted}_activation`));
      } else renames.set(last.name, wanted);
    }
    outputs.push(v.layer);
  }
  const renamed = (n: string) => renames.get(n) ?? n;
  for (const l of layers) {
    l.name = renamed(l.name);
    l.config.name = l.name;
    l.inbound_nodes = l.inbound_nodes.map((node) => node.map(([s, ...rest]) => [renamed(s), ...rest]));
  }
  const named = new Map([...weights].map(([k, w]) => {
    const [layer = '', variable = ''] = k.split('/');
    return [`${renamed(layer)}/${variable}`, w] as const;
  }));
  return {
    model: {
      class_name: 'Functional',
      config: {
        name,
        layers,
        input_layers: [[renamed(inputLayer.name), 0, 0]],
        output_layers: outputs.map((o) => [renamed(o), 0, 0]),
      },
    },
    weights: named,
  };
}
