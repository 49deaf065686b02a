import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defaultParams, kindSpec, NODE_KIND_NAMES } from './registry.ts';
import type { IncomingShape } from './kind.ts';

const from = (shape: number[], label = "Input 'x'"): IncomingShape => ({ shape, from: label });
const shapeOf = (
  kind: (typeof NODE_KIND_NAMES)[number],
  params: Record<string, unknown>,
  inputs: IncomingShape[],
) => {
  const spec = kindSpec(kind);
  const result = spec.outputShape(spec.params.parse(params), inputs, `${kind} 'n'`);
  return result.ok ? result.shape : result.code;
};

describe('node kinds', () => {
  it.each(NODE_KIND_NAMES)('%s documents every parameter and has defaults for all', (kind) => {
    const spec = kindSpec(kind);
    const schema = z.toJSONSchema(spec.params) as {
      properties?: Record<string, { description?: string; default?: unknown }>;
    };
    for (const [field, prop] of Object.entries(schema.properties ?? {})) {
      expect(prop.description, `${kind}.${field}`).toBeTruthy();
      expect(prop.default, `${kind}.${field}`).not.toBeUndefined();
    }
    expect(() => defaultParams(kind)).not.toThrow();
    expect(spec.doc).toMatch(/\.$/);
  });

  it('Conv2D follows Keras output sizes for strides and paddings', () => {
    expect(shapeOf('Conv2D', { filters: 8 }, [from([64, 64, 3])])).toEqual([64, 64, 8]);
    expect(shapeOf('Conv2D', { filters: 8, strides: 2 }, [from([15, 16, 3])])).toEqual([8, 8, 8]);
    expect(
      shapeOf('Conv2D', { filters: 8, padding: 'valid', kernelSize: 5, strides: 2 }, [
        from([15, 16, 3]),
      ]),
    ).toEqual([6, 6, 8]);
    expect(shapeOf('Conv2D', {}, [from([10])])).toBe('E_SHAPE_MISMATCH');
  });

  it('UpSampling2D multiplies height and width by their factors', () => {
    expect(shapeOf('UpSampling2D', {}, [from([7, 8, 4])])).toEqual([14, 16, 4]);
    expect(
      shapeOf('UpSampling2D', { heightFactor: 3, widthFactor: 1, interpolation: 'bilinear' }, [
        from([5, 6, 2]),
      ]),
    ).toEqual([15, 6, 2]);
    expect(shapeOf('UpSampling2D', {}, [from([10])])).toBe('E_SHAPE_MISMATCH');
    expect(kindSpec('UpSampling2D').paramCount(defaultParams('UpSampling2D'), [[7, 8, 4]])).toEqual(
      { trainable: 0, nonTrainable: 0 },
    );
  });

  it('Conv2DTranspose follows TensorFlow.js output sizes for strides and paddings', () => {
    const t = (params: Record<string, unknown>, shape: number[]) =>
      shapeOf('Conv2DTranspose', { filters: 8, ...params }, [from(shape)]);
    // 'same': size × stride.
    expect(t({ kernelSize: 3, strides: 2 }, [5, 6, 3])).toEqual([10, 12, 8]);
    // 'valid': (size − 1) × stride + kernel …
    expect(t({ kernelSize: 3, strides: 2, padding: 'valid' }, [5, 6, 3])).toEqual([11, 13, 8]);
    expect(t({ kernelSize: 4, strides: 1, padding: 'valid' }, [5, 5, 3])).toEqual([8, 8, 8]);
    // … but never less than size × stride, when the kernel is smaller than the stride.
    expect(t({ kernelSize: 1, strides: 3, padding: 'valid' }, [5, 5, 3])).toEqual([15, 15, 8]);
    expect(t({}, [10])).toBe('E_SHAPE_MISMATCH');
    const spec = kindSpec('Conv2DTranspose');
    const count = (params: Record<string, unknown>) =>
      spec.paramCount(spec.params.parse({ filters: 8, kernelSize: 3, ...params }), [[5, 5, 4]]);
    expect(count({})).toEqual({ trainable: 3 * 3 * 4 * 8 + 8, nonTrainable: 0 });
    expect(count({ useBias: false })).toEqual({ trainable: 3 * 3 * 4 * 8, nonTrainable: 0 });
  });

  it('ZeroPadding2D grows each side by its zeros; the activation layers keep the shape', () => {
    const pad = { top: 1, bottom: 0, left: 2, right: 3 };
    expect(shapeOf('ZeroPadding2D', pad, [from([3, 3, 6])])).toEqual([4, 8, 6]);
    expect(shapeOf('ZeroPadding2D', pad, [from([10])])).toBe('E_SHAPE_MISMATCH');
    expect(
      kindSpec('ZeroPadding2D').layer(kindSpec('ZeroPadding2D').params.parse(pad), 'p'),
    ).toEqual({
      className: 'ZeroPadding2D',
      config: {
        name: 'p',
        padding: [
          [1, 0],
          [2, 3],
        ],
      },
    });
    for (const kind of ['ReLU', 'LeakyReLU', 'Softmax'] as const) {
      expect(shapeOf(kind, {}, [from([3, 3, 6])])).toEqual([3, 3, 6]);
      expect(kindSpec(kind).paramCount(defaultParams(kind), [[3, 3, 6]])).toEqual({
        trainable: 0,
        nonTrainable: 0,
      });
    }
    // No cap is 0, and then the layer has none (a tfjs ReLU without maxValue).
    expect(kindSpec('ReLU').layer(defaultParams('ReLU'), 'r').config).toEqual({ name: 'r' });
    expect(kindSpec('ReLU').layer({ maxValue: 6 }, 'r').config).toEqual({ name: 'r', maxValue: 6 });
  });

  it('Reshape keeps the number of values and names both sizes when they differ', () => {
    expect(shapeOf('Reshape', { shape: '1x1x24' }, [from([2, 3, 4])])).toEqual([1, 1, 24]);
    expect(shapeOf('Reshape', { shape: '24' }, [from([2, 3, 4])])).toEqual([24]);
    const spec = kindSpec('Reshape');
    const wrong = spec.outputShape(
      spec.params.parse({ shape: '5' }),
      [from([2, 3, 4])],
      "Reshape 'r'",
    );
    expect(wrong).toEqual({
      ok: false,
      code: 'E_SHAPE_MISMATCH',
      message:
        "Reshape 'r' makes [5] (5 values) but Input 'x' gives [2, 3, 4] (24); the sizes must be equal.",
    });
    expect(spec.params.safeParse({ shape: '2x12' }).success).toBe(false);
  });

  it('pooling defaults its stride to the pool size', () => {
    expect(shapeOf('MaxPooling2D', {}, [from([7, 8, 4])])).toEqual([3, 4, 4]);
    expect(shapeOf('AveragePooling2D', { poolSize: 3, strides: 1 }, [from([7, 8, 4])])).toEqual([
      5, 6, 4,
    ]);
    expect(shapeOf('AveragePooling2D', { padding: 'same' }, [from([7, 8, 4])])).toEqual([4, 4, 4]);
  });

  it('Concatenate joins along its axis and refuses shapes that disagree elsewhere', () => {
    expect(shapeOf('Concatenate', {}, [from([4, 4, 2]), from([4, 4, 3])])).toEqual([4, 4, 5]);
    expect(shapeOf('Concatenate', { axis: 0 }, [from([4, 4, 2]), from([5, 4, 2])])).toEqual([
      9, 4, 2,
    ]);
    expect(shapeOf('Concatenate', {}, [from([4, 4, 2]), from([5, 4, 2])])).toBe('E_MERGE_SHAPES');
    expect(shapeOf('Concatenate', { axis: 2 }, [from([4]), from([4])])).toBe('E_MERGE_SHAPES');
  });

  it('heads and Dense need a vector; GlobalAveragePooling2D makes one', () => {
    expect(shapeOf('BoxHead', {}, [from([32])])).toEqual([4]);
    expect(shapeOf('RegressionHead', { units: 3 }, [from([32])])).toEqual([3]);
    expect(shapeOf('ClassificationHead', {}, [from([4, 4, 2])])).toBe('E_DENSE_RANK');
    expect(shapeOf('GlobalAveragePooling2D', {}, [from([4, 4, 2])])).toEqual([2]);
  });

  it('builders describe Keras layers named after the node', () => {
    const spec = kindSpec('Conv2D');
    expect(spec.layer(spec.params.parse({ filters: 8, strides: 2 }), 'c1')).toEqual({
      className: 'Conv2D',
      config: {
        name: 'c1',
        filters: 8,
        kernelSize: [3, 3],
        strides: [2, 2],
        padding: 'same',
        activation: 'relu',
        useBias: true,
      },
    });
    const head = kindSpec('BoxHead');
    expect(head.layer(head.params.parse({}), 'b').config).toMatchObject({
      units: 4,
      activation: 'sigmoid',
    });
  });
});
