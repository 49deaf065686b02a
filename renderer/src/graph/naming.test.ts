import { describe, expect, it } from 'vitest';
import { kindIdBase, newNodeId } from './naming.ts';

describe('node ids of new nodes', () => {
  it('are Keras-style snake case of the kind', () => {
    expect(kindIdBase('Conv2D')).toBe('conv2d');
    expect(kindIdBase('MaxPooling2D')).toBe('max_pooling2d');
    expect(kindIdBase('UpSampling2D')).toBe('up_sampling2d');
    expect(kindIdBase('Conv2DTranspose')).toBe('conv2d_transpose');
    expect(kindIdBase('ClassificationHead')).toBe('classification_head');
    expect(newNodeId('Conv2DTranspose', new Set(['conv2d_transpose_1']))).toBe(
      'conv2d_transpose_2',
    );
  });
});
