import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { parseGraphDocument } from '../../core/graph/load.ts';
import { kindSpec } from '../../core/nodes/registry.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { nodeFlops, trainingFlops } from './flops.ts';

const EXAMPLES = join(import.meta.dirname, '../../assets/examples');

describe('FLOP count', () => {
  it('counts every layer of the tiny reference model by hand', () => {
    // conv 16×16×8 of 3×3×3 + ReLU: (2·27 + 1)·2048 = 112 640, ×3 for both gradients;
    // pool 8×8×8 at 3 comparisons, ×2; fc 512 → 32 + ReLU: (1024 + 1)·32, ×3;
    // class 32 → 10 + softmax: (64 + 3)·10, ×3; box 32 → 4 + sigmoid: (64 + 1)·4, ×3.
    const expected = 337_920 + 3_072 + 98_400 + 2_010 + 780;
    expect(trainingFlops(tinyReferenceGraph())).toBe(expected);
  });

  it('counts the layers the reference model does not use', () => {
    const at = (inputs: number[][], output: number[], config: Record<string, unknown> = {}) => ({
      inputs,
      output,
      config,
    });
    // 3×3×6 → 6×6×6, 3×3 kernel: each input pixel scatters 9·6 multiply-adds per channel in.
    expect(
      nodeFlops(
        'Conv2DTranspose',
        at([[3, 3, 6]], [6, 6, 6], { kernelSize: [3, 3], activation: 'linear' }),
      ),
    ).toEqual({ forward: 2 * 9 * 9 * 6 * 6, training: 3 * 5832 });
    expect(
      nodeFlops('DepthwiseConv2D', at([[8, 8, 3]], [8, 8, 6], { kernelSize: [3, 3] })).forward,
    ).toBe(18 * 384);
    // Depthwise 8·8·6 outputs of 18, pointwise 8·8·4 of 2·6, ReLU on 256.
    expect(
      nodeFlops(
        'SeparableConv2D',
        at([[8, 8, 3]], [8, 8, 4], { kernelSize: [3, 3], depthMultiplier: 2, activation: 'relu' }),
      ).forward,
    ).toBe(6912 + 3072 + 256);
    expect(
      nodeFlops('UpSampling2D', at([[6, 6, 4]], [12, 12, 4], { interpolation: 'bilinear' })),
    ).toEqual({ forward: 9 * 576, training: 2 * 9 * 576 });
    expect(
      nodeFlops('UpSampling2D', at([[6, 6, 4]], [12, 12, 4], { interpolation: 'nearest' })).forward,
    ).toBe(0);
    // Two experts: logits 2·(2·10 + 3), mixing 2·2·4.
    expect(nodeFlops('Gate', at([[10], [4], [4]], [4], { experts: 2 }))).toEqual({
      forward: 62,
      training: 186,
    });
    expect(nodeFlops('CrossStitch', at([[4], [4]], [4])).forward).toBe(16);
    expect(nodeFlops('Add', at([[5], [5], [5]], [5]))).toEqual({ forward: 10, training: 20 });
    expect(nodeFlops('BatchNormalization', at([[4, 4, 2]], [4, 4, 2])).forward).toBe(224);
    expect(nodeFlops('Concatenate', at([[4], [4]], [8])).forward).toBe(0);
  });

  it('gives every layer with weights in the shipped templates its share', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.graph.json'));
    expect(files).toContain('scenes-unet.graph.json');
    for (const file of files) {
      const analysis = analyzeGraph(parseGraphDocument(readFileSync(join(EXAMPLES, file), 'utf8')));
      for (const node of analysis.nodes.values()) {
        if (node.params === undefined || node.outputShape === undefined) continue;
        if ((node.paramCount?.trainable ?? 0) === 0) continue;
        const { className, config } = kindSpec(node.kind).layer(node.params, node.id);
        const work = { config, inputs: node.inputShapes, output: node.outputShape };
        expect(nodeFlops(className, work).forward, `${file}: ${node.label}`).toBeGreaterThan(0);
      }
    }
  });
});
