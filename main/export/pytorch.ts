import { nodesFeedingHeads } from '../../core/graph/model-nodes.ts';
import { isFrozen, unfreezePlan } from '../../core/graph/trainable.ts';
import { pythonOutputs } from './labels.ts';
import { PYTHON_DETECTION_DECODE, pythonDetectionHeads } from './python-detection.ts';
import type { ActivationName } from '../../core/nodes/fields.ts';
import { formatShape } from '../../core/shape.ts';
import type { ExportFiles } from './files.ts';
import {
  channelsFirstAxis,
  channelsFirstKernel,
  depthwiseKernel,
  initialBias,
  layerClass,
  layerConfig,
  mergeAxis,
  transposedCrop,
  paddingSides,
  transposedKernel,
  windowPadding,
} from './layer-config.ts';
import { npz, type NpyArray } from './npz.ts';
import { pythonString, pythonText } from './python-names.ts';
import { torchLayerNames } from './pytorch-names.ts';
import {
  balancingFiles,
  balancingLayout,
  balancingReadme,
  tappedNodes,
} from './pytorch-balancing.ts';
import { pythonReadme, TRAIN_PY } from './pytorch-train.ts';
import { trainingSpec } from './training-spec.ts';
import { weightOf, type ExportSource } from './source.ts';

export const PYTORCH_WEIGHTS = 'weights.npz';

/** torch expressions of the studio's activations; `dim` is the channel axis for softmax. */
const TORCH_ACTIVATIONS: Record<ActivationName, (x: string, dim: number) => string> = {
  linear: (x) => x,
  relu: (x) => `torch.relu(${x})`,
  relu6: (x) => `F.relu6(${x})`,
  elu: (x) => `F.elu(${x})`,
  selu: (x) => `F.selu(${x})`,
  sigmoid: (x) => `torch.sigmoid(${x})`,
  tanh: (x) => `torch.tanh(${x})`,
  softmax: (x, dim) => `torch.softmax(${x}, dim=${dim})`,
  softplus: (x) => `F.softplus(${x})`,
  softsign: (x) => `F.softsign(${x})`,
  swish: (x) => `F.silu(${x})`,
  mish: (x) => `F.mish(${x})`,
  gelu: (x) => `F.gelu(${x})`,
};

const tuple = (values: readonly number[]) => `(${values.join(', ')})`;
const isImage = (shape: readonly number[]) => shape.length === 3;

/** model.py's layers (__init__), its forward lines, and the weights in PyTorch's names and layouts. */
function translate(source: ExportSource) {
  const names = torchLayerNames(source.nodes);
  const taps = tappedNodes(source);
  const init: string[] = [];
  const forward: string[] = [];
  const weights = new Map<string, NpyArray>();
  const put = (key: string, dims: readonly number[], values: Float32Array) =>
    weights.set(key, { shape: dims, values });
  let usesAveragePadding = false;
  let usesGate = false;
  let usesCrossStitch = false;

  for (const node of source.nodes) {
    const n = names.get(node.id)!;
    const [x = '', ...rest] = node.sources.map((s) => names.get(s)!);
    const c = layerConfig(node);
    const inShape = node.inputShapes[0] ?? [];
    const act = (expr: string) =>
      TORCH_ACTIVATIONS[c.activation ?? 'linear'](expr, isImage(node.outputShape) ? 1 : -1);
    const comment = `  # ${node.kind} '${pythonText(node.id)}' → ${formatShape(node.outputShape)}`;
    const padArgs = (window: readonly [number, number], strides: readonly [number, number]) => {
      const [top, left, bottom, right] = windowPadding(
        inShape,
        window,
        strides,
        c.padding ?? 'valid',
      );
      return top + left + bottom + right === 0 ? undefined : tuple([left, right, top, bottom]);
    };
    let expr: string;
    switch (layerClass(node)) {
      case 'InputLayer':
        expr = `image.permute(0, 3, 1, 2)  # channels first, as PyTorch's layers want`;
        break;
      case 'Conv2D': {
        const ks = c.kernelSize ?? [1, 1];
        const st = c.strides ?? [1, 1];
        init.push(
          `self.${n} = nn.Conv2d(${inShape[2]}, ${c.filters}, kernel_size=${tuple(ks)}, stride=${tuple(st)}, bias=${c.useBias ? 'True' : 'False'})`,
        );
        const kernel = channelsFirstKernel(weightOf(node, 'kernel'));
        put(`${n}.weight`, kernel.dims, kernel.values);
        if (c.useBias) put(`${n}.bias`, [c.filters ?? 0], weightOf(node, 'bias').values);
        const pads = padArgs(ks, st);
        expr = act(`self.${n}(${pads ? `F.pad(${x}, ${pads})` : x})`);
        break;
      }
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        const ks = c.kernelSize ?? [1, 1];
        const st = c.strides ?? [1, 1];
        const channels = inShape[2] ?? 0;
        const depthwise = depthwiseKernel(weightOf(node, 'depthwise_kernel'));
        const separable = layerClass(node) === 'SeparableConv2D';
        const biased = c.useBias ? 'True' : 'False';
        // The bias belongs to the last convolution: the pointwise one of a separable node.
        const d = separable ? `${n}_depthwise` : n;
        init.push(
          `self.${d} = nn.Conv2d(${channels}, ${depthwise.dims[0]}, kernel_size=${tuple(ks)}, stride=${tuple(st)}, groups=${channels}, bias=${separable ? 'False' : biased})`,
        );
        put(`${d}.weight`, depthwise.dims, depthwise.values);
        const pads = padArgs(ks, st);
        let conv = `self.${d}(${pads ? `F.pad(${x}, ${pads})` : x})`;
        if (separable) {
          const pointwise = channelsFirstKernel(weightOf(node, 'pointwise_kernel'));
          init.push(`self.${n} = nn.Conv2d(${depthwise.dims[0]}, ${c.filters}, 1, bias=${biased})`);
          put(`${n}.weight`, pointwise.dims, pointwise.values);
          conv = `self.${n}(${conv})`;
        }
        if (c.useBias) {
          const bias = weightOf(node, 'bias');
          put(`${n}.bias`, bias.shape, bias.values);
        }
        expr = act(conv);
        break;
      }
      case 'Conv2DTranspose': {
        const ks = c.kernelSize ?? [1, 1];
        const st = c.strides ?? [1, 1];
        const [rows, cols] = [0, 1].map((axis) =>
          transposedCrop(inShape[axis] ?? 0, node.outputShape[axis] ?? 0, ks[axis]!, st[axis]!),
        );
        // PyTorch pads both sides alike and TensorFlow.js crops the extra at the end, so the
        // layer gives the whole result (plus the bias-only rows at the end) and forward crops it.
        init.push(
          `self.${n} = nn.ConvTranspose2d(${inShape[2]}, ${c.filters}, kernel_size=${tuple(ks)}, stride=${tuple(st)}, output_padding=${tuple([rows!.extra, cols!.extra])}, bias=${c.useBias ? 'True' : 'False'})`,
        );
        const kernel = channelsFirstKernel(weightOf(node, 'kernel'));
        put(`${n}.weight`, kernel.dims, kernel.values);
        if (c.useBias) put(`${n}.bias`, [c.filters ?? 0], weightOf(node, 'bias').values);
        const [oh = 0, ow = 0] = node.outputShape;
        const cropped =
          rows!.crop[0] + rows!.crop[1] + cols!.crop[0] + cols!.crop[1] === 0
            ? ''
            : `[:, :, ${rows!.crop[0]}:${rows!.crop[0] + oh}, ${cols!.crop[0]}:${cols!.crop[0] + ow}]`;
        expr = act(`self.${n}(${x})${cropped}`);
        break;
      }
      case 'UpSampling2D': {
        const [fh = 1, fw = 1] = c.size ?? [];
        const [h = 0, w = 0] = inShape;
        // TensorFlow.js samples a new pixel at y / factor (no half-pixel centres). Nearest with
        // a scale factor does the same; bilinear does it as align_corners over the image with
        // its last row and column repeated once, cropped back.
        expr =
          c.interpolation === 'bilinear'
            ? `F.interpolate(F.pad(${x}, (0, 1, 0, 1), mode="replicate"), size=${tuple([h * fh + 1, w * fw + 1])}, mode="bilinear", align_corners=True)[:, :, :-1, :-1]`
            : `F.interpolate(${x}, scale_factor=${tuple([fh, fw])}, mode="nearest")`;
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const ps = c.poolSize ?? [2, 2];
        const st = c.strides ?? ps;
        const max = layerClass(node) === 'MaxPooling2D';
        init.push(
          `self.${n} = nn.${max ? 'MaxPool2d' : 'AvgPool2d'}(${tuple(ps)}, stride=${tuple(st)})`,
        );
        const pads = padArgs(ps, st);
        if (!pads) expr = `self.${n}(${x})`;
        else if (max) expr = `self.${n}(F.pad(${x}, ${pads}, value=float("-inf")))`;
        else {
          usesAveragePadding = true;
          expr = `average_without_padding(self.${n}, ${x}, ${pads})`;
        }
        break;
      }
      case 'BatchNormalization': {
        const features = inShape[inShape.length - 1] ?? 0;
        init.push(
          `self.${n} = nn.BatchNorm${isImage(inShape) ? '2d' : '1d'}(${features}, eps=${c.epsilon}, momentum=${Number((1 - (c.momentum ?? 0.99)).toPrecision(6))})`,
        );
        put(`${n}.weight`, [features], weightOf(node, 'gamma').values);
        put(`${n}.bias`, [features], weightOf(node, 'beta').values);
        put(`${n}.running_mean`, [features], weightOf(node, 'moving_mean').values);
        put(`${n}.running_var`, [features], weightOf(node, 'moving_variance').values);
        weights.set(`${n}.num_batches_tracked`, { shape: [], values: [0] });
        expr = `self.${n}(${x})`;
        break;
      }
      case 'Dropout':
        init.push(`self.${n} = nn.Dropout(${c.rate})`);
        expr = `self.${n}(${x})`;
        break;
      case 'Flatten':
        expr = isImage(inShape)
          ? `${x}.permute(0, 2, 3, 1).flatten(1)  # channels last, as Keras flattens`
          : x;
        break;
      case 'GlobalAveragePooling2D':
        expr = `${x}.mean(dim=(2, 3))`;
        break;
      case 'Activation':
        expr = act(x);
        break;
      case 'Concatenate':
        expr = `torch.cat([${[x, ...rest].join(', ')}], dim=${channelsFirstAxis(mergeAxis(c.axis ?? -1, inShape.length), inShape.length)})`;
        break;
      case 'Add':
        expr = [x, ...rest].join(' + ');
        break;
      case 'Multiply':
        expr = [x, ...rest].join(' * ');
        break;
      case 'Gate': {
        const experts = c.experts ?? rest.length;
        init.push(`self.${n} = nn.Linear(${inShape[0]}, ${experts})`);
        const kernel = transposedKernel(weightOf(node, 'kernel'));
        put(`${n}.weight`, kernel.dims, kernel.values);
        put(`${n}.bias`, [experts], weightOf(node, 'bias').values);
        usesGate = true;
        expr = `mix_experts(torch.softmax(self.${n}(${x}), dim=-1), [${rest.join(', ')}])`;
        break;
      }
      case 'CrossStitch':
        init.push(`self.${n} = CrossStitch(${node.sources.length})`);
        put(`${n}.weight`, [node.sources.length], weightOf(node, 'alpha').values);
        usesCrossStitch = true;
        expr = `self.${n}([${[x, ...rest].join(', ')}])`;
        break;
      case 'ZeroPadding2D': {
        const [top, bottom, left, right] = paddingSides(node);
        expr = `F.pad(${x}, ${tuple([left, right, top, bottom])})`;
        break;
      }
      case 'ReLU':
        expr =
          c.maxValue === undefined
            ? `torch.relu(${x})`
            : `torch.clamp(${x}, min=0.0, max=${c.maxValue})`;
        break;
      case 'LeakyReLU':
        expr = `F.leaky_relu(${x}, ${c.alpha})`;
        break;
      case 'Reshape': {
        // Keras lays values out channels-last: reshape in that order, then back to channels-first.
        const target = c.targetShape ?? [];
        const nhwc = isImage(inShape) ? `${x}.permute(0, 2, 3, 1)` : x;
        const reshaped = `${nhwc}.reshape(-1, ${target.join(', ')})`;
        expr = isImage(target) ? `${reshaped}.permute(0, 3, 1, 2)` : reshaped;
        break;
      }
      case 'Softmax':
        expr = TORCH_ACTIVATIONS.softmax(x, isImage(inShape) ? 1 : -1);
        break;
      case 'Dense': {
        const useBias = c.useBias ?? true;
        init.push(
          `self.${n} = nn.Linear(${inShape[0]}, ${c.units}, bias=${useBias ? 'True' : 'False'})`,
        );
        const kernel = transposedKernel(weightOf(node, 'kernel'));
        put(`${n}.weight`, kernel.dims, kernel.values);
        if (useBias) put(`${n}.bias`, [c.units ?? 0], weightOf(node, 'bias').values);
        expr = act(`self.${n}(${x})`);
        break;
      }
    }
    forward.push(`${n} = ${expr}${expr.includes('#') ? '' : comment}`);
    if (taps.has(node.id)) forward.push(`${n} = self.tap(${pythonString(node.id)}, ${n})`);
  }
  // A head on a feature map answers channels-last, [N, H, W, C], as the studio's model does.
  const outputs = source.heads.map((h) => {
    const value = names.get(h.nodeId);
    return `${pythonString(h.task)}: ${isImage(h.shape) ? `${value}.permute(0, 2, 3, 1)` : value}`;
  });
  return { init, forward, outputs, weights, usesAveragePadding, usesGate, usesCrossStitch };
}

/** reset_parameters()' lines that give a layer the bias the engine starts it from (or `pass`). */
function startingBiases(source: ExportSource): string[] {
  const names = torchLayerNames(source.nodes);
  const lines = source.nodes.flatMap((node) => {
    const bias = initialBias(node);
    if (!bias) return [];
    const values = bias.map((v) => Number(v.toPrecision(9))).join(', ');
    return [`self.${names.get(node.id)!}.bias.copy_(torch.tensor([${values}]))`];
  });
  return lines.length > 0 ? lines : ['pass'];
}

const MIX_EXPERTS = `
def mix_experts(weights, experts):
    """A Gate's mixture: sum over k of weights[:, k] times experts[k], each share broadcast over its expert's axes."""
    stacked = torch.stack(experts, 1)
    return (stacked * weights.view(*weights.shape, *([1] * (stacked.dim() - 2)))).sum(1)
`;

const CROSS_STITCH = `
class CrossStitch(nn.Module):
    """One column of a cross-stitch unit: sum over i of weight[i] times column i, its own column first."""

    def __init__(self, columns):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(columns))

    def forward(self, columns):
        return sum(w * c for w, c in zip(self.weight, columns))
`;

const AVERAGE_WITHOUT_PADDING = `
def average_without_padding(pool, x, pads):
    """Average pooling over padded windows that counts only real pixels, as TensorFlow does."""
    ones = torch.ones_like(x[:, :1])
    return pool(F.pad(x, pads)) / pool(F.pad(ones, pads))
`;

function modelPy(source: ExportSource, parts: ReturnType<typeof translate>): string {
  const [h, w, ch] = source.inputShape;
  const indent = (lines: readonly string[], by: string) => lines.map((l) => by + l).join('\n');
  return `"""${pythonText(source.graph.name)}: the model as a PyTorch module, exported from Multitask Studio.

One attribute per layer, named by its node id in the studio's graph ('_' in place of '-', and a
'_' appended to a name Python or PyTorch already uses). The input is what the studio feeds its model: float32 images [N, ${h}, ${w}, ${ch}] (channels last) with pixels in [0, 1]. The
output is a dict task name -> tensor with the heads' activations applied (softmax probabilities,
sigmoid boxes, linear values); OUTPUTS says what each holds (class names in output order).
load_model(directory) builds it with the trained weights.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

INPUT_SHAPE = (${h}, ${w}, ${ch})
WEIGHTS_FILE = "${PYTORCH_WEIGHTS}"

${pythonOutputs(source)}
${parts.usesAveragePadding ? AVERAGE_WITHOUT_PADDING : ''}${parts.usesGate ? MIX_EXPERTS : ''}${parts.usesCrossStitch ? CROSS_STITCH : ''}

# The studio's frozen nodes: no gradients, and a frozen BatchNorm normalises with its running statistics.
FROZEN = (${frozenNames(source)
    .map((n) => `${pythonString(n)}, `)
    .join('')})


class MultitaskModel(nn.Module):
    def __init__(self):
        super().__init__()
${indent(parts.init, '        ')}
        self.frozen = set()
        self.freeze(FROZEN)

    def freeze(self, names):
        for name in names:
            getattr(self, name).requires_grad_(False)
            self.frozen.add(name)
        return self.train(self.training)

    def unfreeze(self, names):
        for name in names:
            getattr(self, name).requires_grad_(True)
            self.frozen.discard(name)
        return self.train(self.training)

    def reset_parameters(self):
        """New weights, as PyTorch starts each layer, with the biases the studio starts from."""
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                module.reset_parameters()
        with torch.no_grad():
${indent(startingBiases(source), '            ')}
        return self

    def train(self, mode=True):
        super().train(mode)
        for name in self.frozen:
            module = getattr(self, name)
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
        return self

    def forward(self, image):
        """image: float32 [N, ${h}, ${w}, ${ch}], pixels in [0, 1]. Returns task name -> output."""
${indent(parts.forward, '        ')}
        return {${parts.outputs.join(', ')}}

    def tap(self, node, value):
        """The shared representation on its way to a task's own layers: balancing.py watches it."""
        return value


${detectionPy(source)}
def load_model(directory="."):
    """The model with the weights of ${PYTORCH_WEIGHTS} in \`directory\`, in eval mode."""
    model = MultitaskModel()
    with np.load(os.path.join(directory, WEIGHTS_FILE)) as arrays:
        state = {name: torch.from_numpy(arrays[name]) for name in arrays.files}
    model.load_state_dict(state)
    return model.eval()
`;
}

/** model.py's attributes of the frozen nodes, in the model's order. */
const frozenNames = (source: ExportSource): string[] => {
  const names = torchLayerNames(source.nodes);
  return source.nodes.filter(isFrozen).map((n) => names.get(n.id) as string);
};

/**
 * training.json's `fineTune`: model.py's attributes to unfreeze at an epoch, and the learning
 * rate from then on (train.py's second phase); null when the run unfreezes nothing.
 */
function fineTuneLayout(source: ExportSource) {
  const settings = source.graph.training;
  const result = unfreezePlan(source.analysis, settings, nodesFeedingHeads(source.analysis));
  if ('error' in result || result.plan.nodes.length === 0) return null;
  const names = torchLayerNames(source.nodes);
  return {
    unfreezeAt: result.plan.atEpoch,
    unfreeze: result.plan.nodes.map((id) => names.get(id) as string),
    learningRate: result.plan.learningRate ?? null,
  };
}

/**
 * model.py's decoding for a graph with detection heads: \`decode()\` and each head's settings, so
 * \`decode(m(x)["objects"], **DETECTION_HEADS["objects"])\` gives the studio's detections.
 */
function detectionPy(source: ExportSource): string {
  if (!source.heads.some((h) => h.targetKind === 'objects')) return '';
  return `
${pythonDetectionHeads(source)}


${PYTHON_DETECTION_DECODE}

`;
}

/** A PyTorch project: model.py, weights.npz, train.py, training.json and a README. */
export function pytorchFiles(source: ExportSource): ExportFiles {
  const parts = translate(source);
  const text = (s: string) => new TextEncoder().encode(s);
  return new Map([
    ['model.py', text(modelPy(source, parts))],
    [PYTORCH_WEIGHTS, npz(parts.weights)],
    ['train.py', text(TRAIN_PY)],
    [
      'training.json',
      text(
        `${JSON.stringify({ ...trainingSpec(source), balancing: balancingLayout(source), fineTune: fineTuneLayout(source) }, null, 2)}\n`,
      ),
    ],
    ['README.md', text(`${pythonReadme(source)}\n${balancingReadme(source)}`)],
    ...balancingFiles(source),
  ]);
}
