import { formatShape, sameShape, type Shape } from '../shape.ts';
import type { IncomingShape, ParamCount, ShapeResult } from './kind.ts';

export const SINGLE_PORT = ['in'] as const;
export const singlePort = (): readonly string[] => SINGLE_PORT;
export const noPorts = (): readonly string[] => [];
export const mergePorts = (params: { inputs: number }): readonly string[] =>
  Array.from({ length: params.inputs }, (_, i) => `in${i}`);

export const ok = (shape: Shape): ShapeResult => ({ ok: true, shape });
export const NO_PARAMS: ParamCount = { trainable: 0, nonTrainable: 0 };
export const noParams = (): ParamCount => NO_PARAMS;

/** The single input of a one-port node; the analysis guarantees it is there. */
export function only(inputs: readonly IncomingShape[]): IncomingShape {
  const first = inputs[0];
  if (!first) throw new Error('shape rule called without an input');
  return first;
}

/** Image layers take [height, width, channels]. */
export function requireImage(self: string, input: IncomingShape): ShapeResult | undefined {
  if (input.shape.length === 3) return undefined;
  return {
    ok: false,
    code: 'E_SHAPE_MISMATCH',
    message: `${self} expects an image input [height, width, channels] but ${input.from} gives ${formatShape(input.shape)}.`,
  };
}

/** Dense-like layers take a vector; a bigger rank almost always means a missing Flatten. */
export function requireVector(self: string, input: IncomingShape): ShapeResult | undefined {
  if (input.shape.length === 1) return undefined;
  const hint = input.shape.length > 1 ? '; add a Flatten or GlobalAveragePooling2D before it' : '';
  return {
    ok: false,
    code: 'E_DENSE_RANK',
    message: `${self} expects a vector input but ${input.from} gives ${formatShape(input.shape)}${hint}.`,
  };
}

export function requirePositive(self: string, input: IncomingShape, shape: Shape): ShapeResult {
  if (shape.every((d) => d > 0)) return ok(shape);
  return {
    ok: false,
    code: 'E_EMPTY_OUTPUT',
    message: `${self} turns ${formatShape(input.shape)} from ${input.from} into ${formatShape(shape)}, which is empty; use a smaller window or stride, or 'same' padding.`,
  };
}

export const denseParams = (inputs: number, units: number, useBias: boolean): ParamCount => ({
  trainable: inputs * units + (useBias ? units : 0),
  nonTrainable: 0,
});

/**
 * Element-wise merges (Add, Multiply, a gate's or cross-stitch unit's columns) take inputs of one
 * shape; the sentence names the first two that differ.
 */
export function sameShapeInputs(
  self: string,
  inputs: readonly IncomingShape[],
  what = 'inputs',
): ShapeResult {
  const [first, ...rest] = inputs;
  if (!first) throw new Error('shape rule called without an input');
  const other = rest.find((o) => !sameShape(o.shape, first.shape));
  if (!other) return ok(first.shape);
  return {
    ok: false,
    code: 'E_MERGE_SHAPES',
    message: `${self} needs ${what} of one shape but ${first.from} gives ${formatShape(first.shape)} and ${other.from} gives ${formatShape(other.shape)}.`,
  };
}
