import { describe, expect, it } from 'vitest';
import { formatBytes } from '../format.ts';
import { analyzeGraph } from './analyze.ts';
import { estimateMemory, memoryProblem } from './memory.ts';
import { graphDocumentSchema } from './schema.ts';

/** A chain of nodes, each feeding the next, ending in a classification head. */
function chain(nodes: { id: string; kind: string; params?: Record<string, unknown> }[]) {
  const all = [...nodes, { id: 'cls', kind: 'ClassificationHead', params: { classes: 10 } }];
  return graphDocumentSchema.parse({
    format: 'multitask-studio/graph',
    version: 1,
    nodes: all,
    edges: all.slice(1).map((n, i) => ({ id: `e${i}`, source: all[i]?.id, target: n.id })),
  });
}

const GIB = 2 ** 30;

describe('memory estimate', () => {
  it('counts weights, gradients, optimizer state and activations at the batch size', () => {
    const doc = chain([
      { id: 'image', kind: 'Input', params: { height: 8, width: 8, channels: 1 } },
      { id: 'flat', kind: 'Flatten' },
      { id: 'fc', kind: 'Dense', params: { units: 10 } },
    ]);
    const m = estimateMemory(analyzeGraph(doc), { batchSize: 2, optimizer: 'adam' });
    const params = 64 * 10 + 10 + (10 * 10 + 10);
    expect(m.weights).toBe(params * 4);
    expect(m.gradients).toBe(params * 4);
    expect(m.optimizerState).toBe(params * 2 * 4);
    // Outputs of image, flat, fc and cls at batch 2, each with its gradient.
    expect(m.activations).toBe((64 + 64 + 10 + 10) * 2 * 4 * 2);
    expect(m.total).toBe(m.weights + m.gradients + m.optimizerState + m.activations);
    expect(
      estimateMemory(analyzeGraph(doc), { batchSize: 2, optimizer: 'sgd' }).optimizerState,
    ).toBe(params * 4);
    expect(m.nodes[0]?.id).toBe('fc');
  });

  it('refuses the 4.4-trillion-parameter graph, naming the Dense and what to change', () => {
    const doc = chain([
      { id: 'image', kind: 'Input', params: { height: 512, width: 512, channels: 4 } },
      { id: 'wide', kind: 'Conv2D', params: { filters: 4096 } },
      { id: 'flat', kind: 'Flatten' },
      { id: 'huge', kind: 'Dense', params: { units: 4096 } },
    ]);
    const analysis = analyzeGraph(doc);
    expect(analysis.ok).toBe(true);
    expect(analysis.totalParams.trainable).toBeGreaterThan(4.39e12);
    const m = estimateMemory(analysis, doc.training);
    expect(m.total).toBeGreaterThan(4 * 4.39e12 * 4);
    const refusal = memoryProblem(m, 12 * GIB, "three quarters of this machine's 16 GiB");
    expect(refusal?.code).toBe('E_MEMORY_LIMIT');
    expect(refusal?.nodeIds[0]).toBe('huge');
    expect(refusal?.message).toMatch(
      /^Training this graph needs about [\d.]+ TiB \(weights .*\), more than the limit of 12 GiB \(three quarters of this machine's 16 GiB\)\. The largest: Dense 'huge' \(4,398,046,515,200 parameters, .*\)/,
    );
    expect(refusal?.message).toContain('use fewer units or filters');
  });

  it('refuses 256×256 with two stride-1 64-filter convs and a Dense(4096) on a 16 GiB machine', () => {
    const doc = chain([
      { id: 'image', kind: 'Input', params: { height: 256, width: 256, channels: 3 } },
      { id: 'conv1', kind: 'Conv2D', params: { filters: 64 } },
      { id: 'conv2', kind: 'Conv2D', params: { filters: 64 } },
      { id: 'flat', kind: 'Flatten' },
      { id: 'fc', kind: 'Dense', params: { units: 4096 } },
    ]);
    const m = estimateMemory(analyzeGraph(doc), doc.training);
    // 256·256·64·4096 weights in the Dense alone: 64 GiB, four times over with Adam.
    expect(m.weights).toBeGreaterThan(64 * GIB);
    expect(formatBytes(m.total)).toMatch(/GiB$/);
    expect(memoryProblem(m, 12 * GIB, 'the test')?.nodeIds[0]).toBe('fc');
  });

  it('lets the reference-sized model through and blames activations when they dominate', () => {
    const small = chain([
      { id: 'image', kind: 'Input', params: { height: 64, width: 64, channels: 3 } },
      { id: 'conv', kind: 'Conv2D', params: { filters: 32 } },
      { id: 'pool', kind: 'GlobalAveragePooling2D' },
    ]);
    const analysis = analyzeGraph(small);
    expect(memoryProblem(estimateMemory(analysis, small.training), 12 * GIB, 'x')).toBeUndefined();
    const big = estimateMemory(analysis, { batchSize: 4096, optimizer: 'adam' });
    expect(memoryProblem(big, 1 * GIB, 'x')?.message).toContain('lower the batch size');
  });
});
