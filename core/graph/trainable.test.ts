import { describe, expect, it } from 'vitest';
import { balancingRefusal } from '../balancing/trunk.ts';
import { asNodeId } from '../ids.ts';
import { analyzeGraph } from './analyze.ts';
import { nodesFeedingHeads } from './model-nodes.ts';
import { estimateMemory } from './memory.ts';
import { graphDocumentSchema } from './schema.ts';
import { hasWeights, isFrozen, unfreezePlan, weightedNodesBefore } from './trainable.ts';
import { loadGraphDocument } from './load.ts';

/** Input → conv → bn → flat → fc, shared by two heads; `frozen` nodes have trainable off. */
function graph(frozen: readonly string[] = [], training: Record<string, unknown> = {}) {
  const off = (id: string) => (frozen.includes(id) ? { trainable: false } : {});
  const nodes = [
    { id: 'image', kind: 'Input', params: { height: 8, width: 8, channels: 1 } },
    { id: 'conv', kind: 'Conv2D', params: { filters: 2, kernelSize: 3, ...off('conv') } },
    { id: 'bn', kind: 'BatchNormalization', params: { ...off('bn') } },
    { id: 'flat', kind: 'Flatten', params: {} },
    { id: 'fc', kind: 'Dense', params: { units: 3, ...off('fc') } },
    { id: 'a', kind: 'ClassificationHead', params: { task: 'a', classes: 2, ...off('a') } },
    { id: 'b', kind: 'RegressionHead', params: { task: 'b', target: 'b', ...off('b') } },
  ];
  const links = [
    ['image', 'conv'],
    ['conv', 'bn'],
    ['bn', 'flat'],
    ['flat', 'fc'],
    ['fc', 'a'],
    ['fc', 'b'],
  ];
  return graphDocumentSchema.parse({
    format: 'multitask-studio/graph',
    version: 1,
    nodes,
    edges: links.map(([source, target]) => ({ id: `${source}-${target}`, source, target })),
    training,
  });
}

// conv 3·3·1·2 + 2 = 20; bn 4 + 4 moving; fc 128·3 + 3 = 387; a 3·2 + 2 = 8; b 3·1 + 1 = 4.
const ALL = 20 + 8 + 387 + 8 + 4;

describe('frozen nodes', () => {
  it('only kinds with weights have trainable, on by default, and an old file loads unchanged', () => {
    expect(hasWeights('Conv2D') && hasWeights('BatchNormalization') && hasWeights('BoxHead')).toBe(
      true,
    );
    expect(hasWeights('MaxPooling2D') || hasWeights('Flatten') || hasWeights('Input')).toBe(false);
    const loaded = loadGraphDocument(JSON.stringify(graph()));
    if (!loaded.ok) throw loaded.error;
    const conv = loaded.document.nodes.find((n) => n.id === 'conv');
    expect(conv?.params.trainable).toBe(true);
    expect(isFrozen({ kind: 'Conv2D', params: conv?.params ?? {} })).toBe(false);
    const pool = analyzeGraph(
      graphDocumentSchema.parse({
        ...graph(),
        nodes: [...graph().nodes, { id: 'p', kind: 'MaxPooling2D', params: { trainable: false } }],
      }),
    );
    expect(pool.problems.find((p) => p.nodeIds.includes(asNodeId('p')))?.code).toBe(
      'E_INVALID_PARAM',
    );
  });

  it("counts a frozen node's weights as non-trainable, as Keras' summary does", () => {
    expect(analyzeGraph(graph()).totalParams).toEqual({ trainable: ALL - 4, nonTrainable: 4 });
    const frozen = analyzeGraph(graph(['conv', 'bn', 'fc']));
    expect(frozen.totalParams).toEqual({ trainable: 12, nonTrainable: ALL - 12 });
    expect(frozen.nodes.get(asNodeId('bn'))?.paramCount).toEqual({ trainable: 0, nonTrainable: 8 });
  });

  it('keeps no gradients or optimizer state for frozen weights in the memory estimate', () => {
    const settings = { batchSize: 1, optimizer: 'adam' as const };
    const open = estimateMemory(analyzeGraph(graph()), settings);
    const frozen = estimateMemory(analyzeGraph(graph(['conv', 'bn', 'fc'])), settings);
    expect(frozen.weights).toBe(open.weights);
    expect(frozen.gradients).toBe(12 * 4);
    expect(frozen.optimizerState).toBe(12 * 2 * 4);
    expect(open.gradients).toBe((ALL - 4) * 4);
  });

  it('finds the nodes with weights before a node', () => {
    const doc = graph();
    expect(weightedNodesBefore(doc.nodes, doc.edges, 'fc')).toEqual(['conv', 'bn']);
    expect(weightedNodesBefore(doc.nodes, doc.edges, 'a')).toEqual(['conv', 'bn', 'fc']);
    expect(weightedNodesBefore(doc.nodes, doc.edges, 'image')).toEqual([]);
  });

  it('plans the unfreeze epoch, refusing a name that is not a frozen node', () => {
    const analysis = analyzeGraph(graph(['conv', 'bn', 'fc']));
    const model = nodesFeedingHeads(analysis);
    const plan = (unfreeze: string, unfreezeAt = 3) =>
      unfreezePlan(analysis, { unfreezeAt, unfreeze, unfreezeLearningRate: 1e-4 }, model);
    expect(plan('all')).toEqual({
      plan: { atEpoch: 3, nodes: ['conv', 'bn', 'fc'], learningRate: 1e-4 },
    });
    expect(plan('fc, bn')).toEqual({
      plan: { atEpoch: 3, nodes: ['fc', 'bn'], learningRate: 1e-4 },
    });
    expect(plan('all', 0)).toEqual({ plan: { atEpoch: 0, nodes: [], learningRate: 1e-4 } });
    expect(plan('fc,conv9')).toEqual({
      error: "Unfreeze names 'conv9', which is not a node of this graph.",
    });
    expect(plan('a')).toEqual({
      error:
        "Unfreeze names Classification head 'a', which is not frozen; freeze it or leave it out of the list.",
    });
  });

  it('refuses a gradient-level method on a trunk frozen for the whole run, in one sentence', () => {
    const analysis = analyzeGraph(graph(['conv', 'bn', 'fc']));
    expect(balancingRefusal(analysis, 'pcgrad')).toBe(
      "pcgrad balances the tasks' gradients on the layers they share, but every shared layer with weights is frozen (Conv2D 'conv', BatchNormalization 'bn', Dense 'fc'), so the trunk has no gradient; unfreeze one, or choose fixed or a loss-level method (uncertainty, dwa, gradnorm, famo).",
    );
    expect(balancingRefusal(analysis, 'pcgrad', new Set([asNodeId('fc')]))).toBeUndefined();
    expect(balancingRefusal(analysis, 'uncertainty')).toBeUndefined();
    expect(balancingRefusal(analyzeGraph(graph(['conv'])), 'pcgrad')).toBeUndefined();
  });
});
