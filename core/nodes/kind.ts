import type { z } from 'zod';
import type { ProblemCode } from '../problems.ts';
import type { Shape } from '../shape.ts';
import type { TaskKind } from '../tasks/registry.ts';

export type NodeCategory = 'input' | 'trunk' | 'merge' | 'head';

/** What a node receives on one input port: the shape and who sends it (for error sentences). */
export interface IncomingShape {
  readonly shape: Shape;
  /** e.g. "MaxPooling2D 'pool2'" */
  readonly from: string;
}

export type ShapeResult =
  | { readonly ok: true; readonly shape: Shape }
  | { readonly ok: false; readonly code: ProblemCode; readonly message: string };

/** Every Keras layer class a node kind can become; exporters key their tables on it. */
export const LAYER_CLASSES = [
  'InputLayer',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'BatchNormalization',
  'Dropout',
  'Flatten',
  'Dense',
  'GlobalAveragePooling2D',
  'Activation',
  'Concatenate',
  'Add',
  'Multiply',
  'Gate',
  'CrossStitch',
  'UpSampling2D',
  'Conv2DTranspose',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'ZeroPadding2D',
  'ReLU',
  'LeakyReLU',
  'Softmax',
  'Reshape',
] as const;
export type LayerClass = (typeof LAYER_CLASSES)[number];

/**
 * A layer as plain data in Keras' own vocabulary (class name + config), so the pure core can
 * describe the model and the engine instantiates it with tfjs. The same data serves export.
 */
export interface LayerSpec {
  readonly className: LayerClass;
  readonly config: Readonly<Record<string, unknown>>;
  /** A bias to start from, one number per output channel, where zeros would start badly. */
  readonly initialBias?: readonly number[];
}

export interface ParamCount {
  readonly trainable: number;
  readonly nonTrainable: number;
}

/** What a task head adds to a node kind: the task kind it learns (its losses and metrics). */
export interface HeadTraits<P> {
  readonly targetKind: TaskKind;
  /**
   * Width of a vector head's output (classes, 4 for a box, N for regression); for a head on a
   * feature map (a mask, depth, detection), the channels at each position.
   */
  readonly units: (params: P) => number;
  /**
   * Numbers per sample in the head's truth tensor, from its output shape; absent, the output's
   * own size (a class one-hot, a box, N numbers). A mask head's truth is one class index per
   * pixel of its [H, W, C] output, H·W numbers.
   */
  readonly truthUnits?: (params: P, outputShape: Shape) => number;
}

export interface NodeKindSpec<S extends z.ZodObject = z.ZodObject> {
  readonly kind: string;
  readonly title: string;
  readonly category: NodeCategory;
  /** One line for the palette and tooltips. */
  readonly doc: string;
  /** Strict object: every field has a default, bounds and a one-line description. */
  readonly params: S;
  readonly inputPorts: (params: z.infer<S>) => readonly string[];
  /** The shape rule. `self` names the node in messages, e.g. "Dense 'fc1'". */
  readonly outputShape: (
    params: z.infer<S>,
    inputs: readonly IncomingShape[],
    self: string,
  ) => ShapeResult;
  readonly paramCount: (params: z.infer<S>, inputs: readonly Shape[]) => ParamCount;
  /** The builder: the layer this node becomes, named `name`. */
  readonly layer: (params: z.infer<S>, name: string) => LayerSpec;
  /** Key parameters in a few words, for the node's face on the canvas and the summary. */
  readonly describe: (params: z.infer<S>) => string;
  readonly head?: HeadTraits<z.infer<S>>;
}

/** Identity helper that keeps the params type of each kind while checking the spec's shape. */
export const defineNodeKind = <S extends z.ZodObject>(spec: NodeKindSpec<S>): NodeKindSpec<S> =>
  spec;
