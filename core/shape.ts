/** A tensor shape without its batch dimension, e.g. [64, 64, 3] for an image. */
export type Shape = readonly number[];

export const formatShape = (shape: Shape): string => `[${shape.join(', ')}]`;

export const shapeSize = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Output length of a windowed op (conv, pool) along one axis, as Keras computes it. */
export function windowOutputLength(
  length: number,
  window: number,
  stride: number,
  padding: 'same' | 'valid',
): number {
  return padding === 'same'
    ? Math.ceil(length / stride)
    : Math.floor((length - window) / stride) + 1;
}
