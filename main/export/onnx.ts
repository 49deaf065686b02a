import { markdownText } from './markdown-text.ts';
import { onnxDetectionPostprocess } from './python-detection.ts';
import type { HeadInfo } from '../../core/graph/analyze.ts';
import type { ActivationName } from '../../core/nodes/fields.ts';
import { StudioError } from '../../core/problems.ts';
import type { ExportFiles } from './files.ts';
import { outputMeanings } from './labels.ts';
import {
  channelsFirstKernel,
  depthwiseKernel,
  layerClass,
  layerConfig,
  mergeAxis,
  transposedCrop,
  paddingSides,
  windowPadding,
} from './layer-config.ts';
import { OnnxGraphBuilder, ONNX_OPSET } from './onnx-graph.ts';
import { weightOf, type ExportSource, type ModelNode } from './source.ts';

export const ONNX_FILE = 'model.onnx';
export const ONNX_INPUT = 'image';

/**
 * A tensor of the ONNX graph. Images travel channels-first (NCHW) as ONNX's Conv and pools want
 * them; vectors are [N, features] either way.
 */
interface Value {
  readonly name: string;
  readonly layout: 'nchw' | 'vector';
}

/** Writes the model as ONNX: input `image` [N, H, W, C] in [0, 1], one output per head named by its task. */
export function onnxFiles(source: ExportSource): ExportFiles {
  const g = new OnnxGraphBuilder();
  const values = new Map<string, Value>();
  const input = g.reserve(ONNX_INPUT);
  const outputs = new Map(source.heads.map((h) => [h.nodeId as string, g.reserve(h.task)]));

  const activate = (
    x: Value,
    activation: ActivationName,
    output: string | undefined,
    stem: string,
  ): Value => {
    const axis = x.layout === 'nchw' ? 1 : -1;
    const one = (op: string, attributes = {}) => g.op(op, [x.name], attributes, output, stem);
    const name = ((): string => {
      switch (activation) {
        case 'linear':
          return one('Identity');
        case 'relu':
          return one('Relu');
        case 'relu6':
          return g.op('Clip', [x.name, scalar('zero', 0), scalar('six', 6)], {}, output, stem);
        case 'elu':
          return one('Elu', { alpha: 1 });
        case 'selu':
          return one('Selu');
        case 'sigmoid':
          return one('Sigmoid');
        case 'tanh':
          return one('Tanh');
        case 'softmax':
          return one('Softmax', { axis });
        case 'softplus':
          return one('Softplus');
        case 'softsign':
          return one('Softsign');
        case 'swish':
          return g.op('Mul', [x.name, g.op('Sigmoid', [x.name])], {}, output, stem);
        case 'mish':
          return g.op(
            'Mul',
            [x.name, g.op('Tanh', [g.op('Softplus', [x.name])])],
            {},
            output,
            stem,
          );
        case 'gelu': {
          const scaled = g.op('Div', [x.name, scalar('sqrt2', Math.SQRT2)]);
          const cdf = g.op('Add', [g.op('Erf', [scaled]), scalar('one', 1)]);
          return g.op('Mul', [g.op('Mul', [x.name, cdf]), scalar('half', 0.5)], {}, output, stem);
        }
      }
    })();
    return { name, layout: x.layout };
  };
  const scalars = new Map<number, string>();
  const scalar = (stem: string, v: number) => {
    const known = scalars.get(v);
    if (known) return known;
    const name = g.floatTensor(stem, [], new Float32Array([v]));
    scalars.set(v, name);
    return name;
  };
  const toNhwcVector = (x: Value, stem: string): string =>
    x.layout === 'vector'
      ? x.name
      : g.op(
          'Flatten',
          [g.op('Transpose', [x.name], { perm: [0, 2, 3, 1] })],
          { axis: 1 },
          undefined,
          stem,
        );
  const dense = (node: ModelNode, x: Value, activation: ActivationName, useBias: boolean) => {
    const kernel = weightOf(node, 'kernel');
    const b = useBias
      ? weightOf(node, 'bias')
      : { shape: [kernel.shape[1] ?? 0], values: new Float32Array(kernel.shape[1] ?? 0) };
    const w = g.floatTensor(`${node.id}.kernel`, kernel.shape, kernel.values);
    const bias = g.floatTensor(`${node.id}.bias`, b.shape, b.values);
    const out = outputs.get(node.id);
    const linear = g.op(
      'Gemm',
      [x.name, w, bias],
      {},
      activation === 'linear' ? out : undefined,
      node.id,
    );
    return activation === 'linear'
      ? { name: linear, layout: 'vector' as const }
      : activate({ name: linear, layout: 'vector' }, activation, out, node.id);
  };

  for (const node of source.nodes) {
    const ins = node.sources.map((s) => values.get(s) as Value);
    const [x] = ins;
    const c = layerConfig(node);
    const inputShape = node.inputShapes[0] ?? [];
    const spatial = (): Value => {
      if (x?.layout !== 'nchw') throw new Error(`'${node.id}' needs an image input`);
      return x;
    };
    // A convolution's NCHW output with the node's activation, as every convolution kind ends.
    const convolved = (conv: string): Value =>
      activate(
        { name: conv, layout: 'nchw' },
        c.activation ?? 'linear',
        undefined,
        `${node.id}_act`,
      );
    // A (transposed) convolution's image, kernel and bias: Keras' kernel [kh, kw, a, b] is
    // ONNX's [b, a, kh, kw] for both, by the same move.
    const convolutionInputs = (): string[] => {
      const kernel = channelsFirstKernel(weightOf(node, 'kernel'));
      const inputs = [
        spatial().name,
        g.floatTensor(`${node.id}.kernel`, kernel.dims, kernel.values),
      ];
      if (c.useBias) {
        const bias = weightOf(node, 'bias');
        inputs.push(g.floatTensor(`${node.id}.bias`, bias.shape, bias.values));
      }
      return inputs;
    };
    let value: Value;
    switch (layerClass(node)) {
      case 'InputLayer':
        value = {
          name: g.op('Transpose', [input], { perm: [0, 3, 1, 2] }, undefined, 'image_nchw'),
          layout: 'nchw',
        };
        break;
      case 'Conv2D': {
        const inputs = convolutionInputs();
        const ks = c.kernelSize ?? [1, 1];
        const st = c.strides ?? [1, 1];
        const conv = g.op(
          'Conv',
          inputs,
          {
            kernel_shape: ks,
            strides: st,
            pads: windowPadding(inputShape, ks, st, c.padding ?? 'valid'),
          },
          undefined,
          node.id,
        );
        value = convolved(conv);
        break;
      }
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        const ks = c.kernelSize ?? [1, 1];
        const st = c.strides ?? [1, 1];
        const channels = inputShape[2] ?? 0;
        const separable = layerClass(node) === 'SeparableConv2D';
        const kernel = depthwiseKernel(weightOf(node, 'depthwise_kernel'));
        const inputs = [
          spatial().name,
          g.floatTensor(`${node.id}.depthwise_kernel`, kernel.dims, kernel.values),
        ];
        // The bias belongs to the last convolution: the pointwise one of a separable node.
        const bias = (): string[] => {
          if (!c.useBias) return [];
          const b = weightOf(node, 'bias');
          return [g.floatTensor(`${node.id}.bias`, b.shape, b.values)];
        };
        if (!separable) inputs.push(...bias());
        let conv = g.op(
          'Conv',
          inputs,
          {
            kernel_shape: ks,
            strides: st,
            pads: windowPadding(inputShape, ks, st, c.padding ?? 'valid'),
            group: channels,
          },
          undefined,
          separable ? `${node.id}_depthwise` : node.id,
        );
        if (separable) {
          const pointwise = channelsFirstKernel(weightOf(node, 'pointwise_kernel'));
          conv = g.op(
            'Conv',
            [
              conv,
              g.floatTensor(`${node.id}.pointwise_kernel`, pointwise.dims, pointwise.values),
              ...bias(),
            ],
            { kernel_shape: [1, 1] },
            undefined,
            node.id,
          );
        }
        value = convolved(conv);
        break;
      }
      case 'Conv2DTranspose': {
        const inputs = convolutionInputs();
        const ks = c.kernelSize ?? [1, 1];
        const st = c.strides ?? [1, 1];
        const [rows, cols] = [0, 1].map((axis) =>
          transposedCrop(inputShape[axis] ?? 0, node.outputShape[axis] ?? 0, ks[axis]!, st[axis]!),
        );
        const conv = g.op(
          'ConvTranspose',
          inputs,
          {
            kernel_shape: ks,
            strides: st,
            pads: [rows!.crop[0], cols!.crop[0], rows!.crop[1], cols!.crop[1]],
            output_padding: [rows!.extra, cols!.extra],
          },
          undefined,
          node.id,
        );
        value = convolved(conv);
        break;
      }
      case 'UpSampling2D': {
        const [fh = 1, fw = 1] = c.size ?? [];
        // TensorFlow.js resizes without half-pixel centres: a new pixel at y samples the old
        // one at y / factor, which is ONNX's 'asymmetric' (nearest rounds down, as TF.js does).
        value = {
          name: g.op(
            'Resize',
            [
              spatial().name,
              '',
              g.floatTensor(`${node.id}.scales`, [4], new Float32Array([1, 1, fh, fw])),
            ],
            c.interpolation === 'bilinear'
              ? { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }
              : {
                  mode: 'nearest',
                  coordinate_transformation_mode: 'asymmetric',
                  nearest_mode: 'floor',
                },
            undefined,
            node.id,
          ),
          layout: 'nchw',
        };
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const ps = c.poolSize ?? [2, 2];
        const st = c.strides ?? ps;
        const op = layerClass(node) === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
        // AveragePool leaves padding out of the mean by default, as TensorFlow does.
        value = {
          name: g.op(
            op,
            [spatial().name],
            {
              kernel_shape: ps,
              strides: st,
              pads: windowPadding(inputShape, ps, st, c.padding ?? 'valid'),
            },
            undefined,
            node.id,
          ),
          layout: 'nchw',
        };
        break;
      }
      case 'BatchNormalization': {
        const names = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) => {
          const w = weightOf(node, n);
          return g.floatTensor(`${node.id}.${n}`, w.shape, w.values);
        });
        value = {
          name: g.op(
            'BatchNormalization',
            [x!.name, ...names],
            { epsilon: c.epsilon ?? 1e-3 },
            undefined,
            node.id,
          ),
          layout: x!.layout,
        };
        break;
      }
      case 'Dropout':
        value = { name: g.op('Identity', [x!.name], {}, undefined, node.id), layout: x!.layout };
        break;
      case 'Flatten':
        // Keras flattens channels-last: go back to NHWC first so the order of features matches.
        value = { name: toNhwcVector(x!, node.id), layout: 'vector' };
        break;
      case 'GlobalAveragePooling2D':
        value = {
          name: g.op(
            'Flatten',
            [g.op('GlobalAveragePool', [spatial().name])],
            { axis: 1 },
            undefined,
            node.id,
          ),
          layout: 'vector',
        };
        break;
      case 'Dense':
        value = dense(
          node,
          { name: toNhwcVector(x!, `${node.id}_in`), layout: 'vector' },
          c.activation ?? 'linear',
          c.useBias ?? true,
        );
        break;
      case 'Activation':
        value = activate(x!, c.activation ?? 'linear', undefined, node.id);
        break;
      case 'Concatenate': {
        const axis = mergeAxis(c.axis ?? -1, inputShape.length);
        // NHWC axis 1, 2, 3 (H, W, C) is NCHW axis 2, 3, 1.
        const onnxAxis = x!.layout === 'nchw' ? ([0, 2, 3, 1][axis] ?? axis) : axis;
        value = {
          name: g.op(
            'Concat',
            ins.map((v) => v.name),
            { axis: onnxAxis },
            undefined,
            node.id,
          ),
          layout: x!.layout,
        };
        break;
      }
      case 'ZeroPadding2D': {
        const [top, bottom, left, right] = paddingSides(node);
        const pads = g.int64Tensor(`${node.id}.pads`, [0, 0, top, left, 0, 0, bottom, right]);
        value = {
          name: g.op('Pad', [spatial().name, pads], { mode: 'constant' }, undefined, node.id),
          layout: 'nchw',
        };
        break;
      }
      case 'ReLU':
        value =
          c.maxValue === undefined
            ? activate(x!, 'relu', undefined, node.id)
            : {
                name: g.op(
                  'Clip',
                  [x!.name, scalar('zero', 0), scalar(`${node.id}.max`, c.maxValue)],
                  {},
                  undefined,
                  node.id,
                ),
                layout: x!.layout,
              };
        break;
      case 'LeakyReLU':
        value = {
          name: g.op('LeakyRelu', [x!.name], { alpha: c.alpha ?? 0.3 }, undefined, node.id),
          layout: x!.layout,
        };
        break;
      case 'Softmax':
        value = activate(x!, 'softmax', undefined, node.id);
        break;
      case 'Reshape': {
        // Keras lays values out channels-last: reshape in that order, then go back to NCHW.
        const target = c.targetShape ?? [];
        const nhwc =
          x!.layout === 'nchw' ? g.op('Transpose', [x!.name], { perm: [0, 2, 3, 1] }) : x!.name;
        const shape = g.int64Tensor(`${node.id}.shape`, [-1, ...target]);
        const image = target.length === 3;
        const reshaped = g.op(
          'Reshape',
          [nhwc, shape],
          {},
          undefined,
          image ? `${node.id}_nhwc` : node.id,
        );
        value = image
          ? {
              name: g.op('Transpose', [reshaped], { perm: [0, 3, 1, 2] }, undefined, node.id),
              layout: 'nchw',
            }
          : { name: reshaped, layout: 'vector' };
        break;
      }
      case 'Multiply':
        value = {
          name: ins
            .slice(1)
            .reduce(
              (product, v, i) =>
                g.op(
                  'Mul',
                  [product, v.name],
                  {},
                  undefined,
                  i === ins.length - 2 ? node.id : undefined,
                ),
              x!.name,
            ),
          layout: x!.layout,
        };
        break;
      case 'Gate': {
        const [gate, ...experts] = ins;
        const kernel = weightOf(node, 'kernel');
        const bias = weightOf(node, 'bias');
        const logits = g.op('Gemm', [
          gate!.name,
          g.floatTensor(`${node.id}.kernel`, kernel.shape, kernel.values),
          g.floatTensor(`${node.id}.bias`, bias.shape, bias.values),
        ]);
        const shares = g.op('Softmax', [logits], { axis: -1 }, undefined, `${node.id}_weights`);
        // Each expert's share [N, 1], shaped to broadcast over the expert's own axes.
        const rank = node.outputShape.length;
        const perSample = g.int64Tensor(`${node.id}.per_sample`, [
          -1,
          ...Array<number>(rank).fill(1),
        ]);
        const terms = experts.map((e, k) => {
          const share = g.op('Slice', [
            shares,
            g.int64Tensor(`${node.id}.from`, [k]),
            g.int64Tensor(`${node.id}.to`, [k + 1]),
            g.int64Tensor(`${node.id}.axis`, [1]),
          ]);
          return g.op('Mul', [e.name, rank === 1 ? share : g.op('Reshape', [share, perSample])]);
        });
        value = { name: g.op('Sum', terms, {}, undefined, node.id), layout: experts[0]!.layout };
        break;
      }
      case 'CrossStitch': {
        const alpha = weightOf(node, 'alpha').values;
        const terms = ins.map((v, i) =>
          g.op('Mul', [v.name, g.floatTensor(`${node.id}.alpha${i}`, [], alpha.slice(i, i + 1))]),
        );
        value = { name: g.op('Sum', terms, {}, undefined, node.id), layout: x!.layout };
        break;
      }
      case 'Add':
        value = {
          name: g.op(
            'Sum',
            ins.map((v) => v.name),
            {},
            undefined,
            node.id,
          ),
          layout: x!.layout,
        };
        break;
    }
    values.set(node.id, value);
  }
  // A head on a feature map answers channels last, [N, H, W, C], as the studio's model does.
  for (const head of source.heads) {
    const value = values.get(head.nodeId);
    if (value?.layout !== 'nchw') continue;
    const name = g.op(
      'Transpose',
      [value.name],
      { perm: [0, 2, 3, 1] },
      outputs.get(head.nodeId),
      `${head.nodeId}_nhwc`,
    );
    values.set(head.nodeId, { name, layout: 'vector' });
  }
  const [h = 0, w = 0, channels = 0] = source.inputShape;
  // A head's output has its node's shape: a vector, or [H, W, C] for a head on a feature map.
  const outputShapeOf = (head: HeadInfo): readonly number[] =>
    source.nodes.find((n) => n.id === head.nodeId)?.outputShape ?? [head.units];
  const meanings = outputMeanings(source.heads, source.targets);
  const docOf = (task: string) => {
    const m = meanings.find((o) => o.task === task);
    return (
      m && `${m.target}: ${m.meaning}${m.names ? `. Values in order: ${m.names.join(', ')}` : ''}.`
    );
  };
  // Readable with onnx.load(...).metadata_props or onnxruntime's get_modelmeta().custom_metadata_map.
  const metadata: Record<string, string> = {
    outputs: JSON.stringify(meanings),
    ...Object.fromEntries(
      meanings.flatMap((m) => (m.names ? [[`labels.${m.task}`, JSON.stringify(m.names)]] : [])),
    ),
  };
  const bytes = g.encode(
    { name: input, shape: ['N', h, w, channels] },
    source.heads.map((head) => {
      if (values.get(head.nodeId)?.name !== head.task) {
        throw new StudioError(
          'E_EXPORT_UNSUPPORTED',
          `The head '${head.nodeId}' could not be given the output name '${head.task}'.`,
        );
      }
      const doc = docOf(head.task);
      return { name: head.task, shape: ['N', ...outputShapeOf(head)], ...(doc ? { doc } : {}) };
    }),
    `Multitask Studio model '${source.graph.name}' (opset ${ONNX_OPSET}). Input '${input}': float32 [N, ${h}, ${w}, ${channels}], pixels in [0, 1]. Outputs: ${source.heads.map((hd) => `'${hd.task}' [N, ${outputShapeOf(hd).join(', ')}] (${docOf(hd.task) ?? ''})`).join(', ')}. The metadata_props 'outputs' and 'labels.<task>' name each output's values.`,
    metadata,
  );
  return new Map([[ONNX_FILE, bytes], ...detectionNotes(source)]);
}

/**
 * For detection heads, the decoding ONNX leaves to its user: postprocess.py (numpy) with each
 * head's settings, and a README that says how to call it.
 */
function detectionNotes(source: ExportSource): [string, Uint8Array][] {
  const heads = source.heads.filter((h) => h.targetKind === 'objects');
  if (heads.length === 0) return [];
  const text = (s: string) => new TextEncoder().encode(s);
  const names = heads.map((h) => `\`${markdownText(h.task)}\``).join(', ');
  return [
    ['postprocess.py', text(onnxDetectionPostprocess(source))],
    [
      'README.md',
      text(`# ${markdownText(source.graph.name)} — ONNX model exported from Multitask Studio

\`model.onnx\` takes \`image\`, float32 [N, H, W, C] with pixels in [0, 1], and gives one output per
task. The detection outputs (${names}) are the heads' raw maps, [N, H, W, classes + 4]: per cell a
logit per class, then the box's width and height and its centre's offset, in cells. Turning them
into boxes is one more step, the studio's own decoding, in \`postprocess.py\` (numpy only):

1. a cell is a peak of a class where its logit is the largest of its 3×3 neighbourhood (a
   3×3 max-pool, stride 1, that keeps equal values);
2. peaks are sorted by score (the logit's sigmoid), highest first, ties by channels-last index;
3. the first top K are kept, and those scoring under the threshold dropped;
4. the box is centred at (x + offset x, y + offset y) cells with the predicted width and height,
   divided by the map's width and height (fractions of the image), and clipped to it;
5. with NMS on, a box overlapping a higher-scored box of its class by IoU > 0.5 is dropped.

    import numpy as np, onnxruntime, postprocess
    session = onnxruntime.InferenceSession("model.onnx")
    maps = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"image": images})))
    found = postprocess.decode(maps["${heads[0]!.task}"], **postprocess.DETECTION_HEADS["${heads[0]!.task}"])
    # found[i]["boxes"], found[i]["scores"], found[i]["classes"] for image i
`),
    ],
  ];
}
