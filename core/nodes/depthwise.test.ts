import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { kindSpec } from './registry.ts';
import type { IncomingShape } from './kind.ts';

const from = (shape: number[]): IncomingShape => ({ shape, from: "Input 'x'" });

/** The kind's shape and count next to those of the TF.js layer it configures, on `input`. */
function both(kind: 'DepthwiseConv2D' | 'SeparableConv2D', raw: object, input: number[]) {
  const spec = kindSpec(kind);
  const params = spec.params.parse(raw);
  const result = spec.outputShape(params, [from(input)], `${kind} 'n'`);
  const { className, config } = spec.layer(params, 'n');
  const layer =
    className === 'DepthwiseConv2D'
      ? tf.layers.depthwiseConv2d(config as never)
      : tf.layers.separableConv2d(config as never);
  const out = layer.computeOutputShape([null, ...input]) as number[];
  layer.build([null, ...input]);
  return {
    ours: [result.ok ? result.shape : result.code, spec.paramCount(params, [input]).trainable],
    tfjs: [out.slice(1), layer.countParams()],
  };
}

describe('DepthwiseConv2D and SeparableConv2D', () => {
  it.each([
    ['DepthwiseConv2D', {}, [16, 16, 3], [[16, 16, 3], 30]],
    ['DepthwiseConv2D', { depthMultiplier: 2, strides: 2 }, [15, 9, 3], [[8, 5, 6], 60]],
    [
      'DepthwiseConv2D',
      { kernelSize: 5, padding: 'valid', useBias: false },
      [9, 7, 4],
      [[5, 3, 4], 100],
    ],
    ['SeparableConv2D', { filters: 4, strides: 2, padding: 'valid' }, [16, 16, 6], [[7, 7, 4], 82]],
    [
      'SeparableConv2D',
      { filters: 8, depthMultiplier: 3, useBias: false },
      [7, 5, 2],
      [[7, 5, 8], 102],
    ],
  ] as const)(
    '%s %o on %o gives the shape and count TF.js does',
    (kind, params, input, expected) => {
      const { ours, tfjs } = both(kind, params, [...input]);
      expect(ours).toEqual(tfjs);
      expect(ours).toEqual([[...expected[0]], expected[1]]);
    },
  );

  it('refuses a window larger than the image, naming the node', () => {
    const spec = kindSpec('DepthwiseConv2D');
    const p = spec.params.parse({ kernelSize: 5, padding: 'valid' });
    const result = spec.outputShape(p, [from([3, 3, 2])], "DepthwiseConv2D 'n'");
    expect(result.ok).toBe(false);
    expect(kindSpec('SeparableConv2D').outputShape(p as never, [from([10])], 'n').ok).toBe(false);
  });
});
