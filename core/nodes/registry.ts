import { activationKind } from './activation.ts';
import { addKind } from './add.ts';
import { attributesHeadKind } from './attributes-head.ts';
import { averagePooling2dKind } from './average-pooling2d.ts';
import { batchNormalizationKind } from './batch-normalization.ts';
import { boxHeadKind } from './box-head.ts';
import { classificationHeadKind } from './classification-head.ts';
import { concatenateKind } from './concatenate.ts';
import { conv2dKind } from './conv2d.ts';
import { crossStitchKind } from './cross-stitch.ts';
import { conv2dTransposeKind } from './conv2d-transpose.ts';
import { depthwiseConv2dKind } from './depthwise-conv2d.ts';
import { denseKind } from './dense.ts';
import { detectionHeadKind } from './detection-head.ts';
import { depthHeadKind } from './depth-head.ts';
import { dropoutKind } from './dropout.ts';
import { flattenKind } from './flatten.ts';
import { gateKind } from './gate.ts';
import { globalAveragePooling2dKind } from './global-average-pooling2d.ts';
import { inputKind } from './input.ts';
import type { NodeKindSpec } from './kind.ts';
import { maskHeadKind } from './mask-head.ts';
import { maxPooling2dKind } from './max-pooling2d.ts';
import { normalsHeadKind } from './normals-head.ts';
import { leakyReluKind } from './leaky-relu.ts';
import { multiplyKind } from './multiply.ts';
import { regressionHeadKind } from './regression-head.ts';
import { upSampling2dKind } from './up-sampling2d.ts';
import { reluKind } from './relu.ts';
import { reshapeKind } from './reshape.ts';
import { separableConv2dKind } from './separable-conv2d.ts';
import { softmaxKind } from './softmax.ts';
import { zeroPadding2dKind } from './zero-padding2d.ts';

/** Every node kind, in palette order. Static and exhaustive: nothing registers itself. */
export const NODE_KINDS = {
  Input: inputKind,
  Conv2D: conv2dKind,
  MaxPooling2D: maxPooling2dKind,
  AveragePooling2D: averagePooling2dKind,
  BatchNormalization: batchNormalizationKind,
  Dropout: dropoutKind,
  Flatten: flattenKind,
  Dense: denseKind,
  GlobalAveragePooling2D: globalAveragePooling2dKind,
  Activation: activationKind,
  UpSampling2D: upSampling2dKind,
  Conv2DTranspose: conv2dTransposeKind,
  DepthwiseConv2D: depthwiseConv2dKind,
  SeparableConv2D: separableConv2dKind,
  ReLU: reluKind,
  LeakyReLU: leakyReluKind,
  Softmax: softmaxKind,
  ZeroPadding2D: zeroPadding2dKind,
  Reshape: reshapeKind,
  Concatenate: concatenateKind,
  Add: addKind,
  Multiply: multiplyKind,
  Gate: gateKind,
  CrossStitch: crossStitchKind,
  ClassificationHead: classificationHeadKind,
  AttributesHead: attributesHeadKind,
  BoxHead: boxHeadKind,
  RegressionHead: regressionHeadKind,
  DetectionHead: detectionHeadKind,
  MaskHead: maskHeadKind,
  DepthHead: depthHeadKind,
  NormalsHead: normalsHeadKind,
} as const;

export type NodeKind = keyof typeof NODE_KINDS;
export const NODE_KIND_NAMES = Object.keys(NODE_KINDS) as NodeKind[];

export const isNodeKind = (kind: string): kind is NodeKind => Object.hasOwn(NODE_KINDS, kind);

/** The spec of a kind with its params widened, for code that handles every kind alike. */
export const kindSpec = (kind: NodeKind): NodeKindSpec =>
  NODE_KINDS[kind] as unknown as NodeKindSpec;

/** Default params of a kind: what a freshly added node gets. */
export const defaultParams = (kind: NodeKind): Record<string, unknown> =>
  kindSpec(kind).params.parse({}) as Record<string, unknown>;

/** The task-head kinds: each one a task with its own loss. */
export const HEAD_KINDS = [
  'ClassificationHead',
  'AttributesHead',
  'BoxHead',
  'RegressionHead',
  'DetectionHead',
  'MaskHead',
  'DepthHead',
  'NormalsHead',
] as const satisfies readonly NodeKind[];
export type HeadKind = (typeof HEAD_KINDS)[number];

/** Every loss a head can name: the losses of the task kinds (core/tasks). */
export type { LossName } from '../tasks/registry.ts';
