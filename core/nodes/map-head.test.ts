import { describe, expect, it } from 'vitest';
import { mapHeadLayer, mapHeadParams, mapHeadShape } from './head.ts';

const channels = (p: { classes: number }) => p.classes;

describe('heads on a feature map', () => {
  it('output the map’s positions with the head’s channels at each', () => {
    const rule = mapHeadShape(channels);
    expect(
      rule({ classes: 5 }, [{ shape: [16, 12, 8], from: "Conv2D 'c'" }], "Mask head 'm'"),
    ).toEqual({ ok: true, shape: [16, 12, 5] });
  });

  it('refuse a vector with a sentence naming both nodes', () => {
    const result = mapHeadShape(channels)(
      { classes: 5 },
      [{ shape: [64], from: "Dense 'd'" }],
      "Mask head 'm'",
    );
    expect(result).toMatchObject({ ok: false, code: 'E_SHAPE_MISMATCH' });
    expect(!result.ok && result.message).toBe(
      "Mask head 'm' expects an image input [height, width, channels] but Dense 'd' gives [64].",
    );
  });

  it('count a 1×1 convolution’s weights and build one', () => {
    expect(mapHeadParams(channels)({ classes: 5 }, [[16, 12, 8]])).toEqual({
      trainable: 8 * 5 + 5,
      nonTrainable: 0,
    });
    expect(mapHeadLayer(channels, 'linear')({ classes: 3 }, 'seg')).toEqual({
      className: 'Conv2D',
      config: {
        name: 'seg',
        filters: 3,
        kernelSize: [1, 1],
        strides: [1, 1],
        padding: 'valid',
        activation: 'linear',
        useBias: true,
      },
    });
  });
});
