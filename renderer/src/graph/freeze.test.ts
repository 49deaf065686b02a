import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { buildGraph } from './test-graphs.ts';
import { freezable, freezeBefore, setTrainable } from './freeze.ts';

/** Input → Conv2D → MaxPooling2D → Flatten → Dense → a head. */
const tinyGraph = () =>
  buildGraph(
    [
      ['image', 'Input'],
      ['conv', 'Conv2D'],
      ['pool', 'MaxPooling2D'],
      ['flat', 'Flatten'],
      ['fc', 'Dense'],
      ['cls', 'ClassificationHead'],
    ],
    [
      ['image', 'conv'],
      ['conv', 'pool'],
      ['pool', 'flat'],
      ['flat', 'fc'],
      ['fc', 'cls'],
    ],
  );

describe('freeze commands', () => {
  it('freezes and unfreezes only the selected nodes with weights, and changes nothing twice', () => {
    const doc = tinyGraph();
    const frozen = setTrainable(doc, ['conv', 'pool', 'fc'], false);
    const params = (id: string) => frozen.nodes.find((n) => n.id === id)?.params;
    expect(params('conv')?.trainable).toBe(false);
    expect(params('pool')).toEqual(doc.nodes.find((n) => n.id === 'pool')?.params);
    expect(setTrainable(frozen, ['conv', 'fc'], false)).toBe(frozen);
    expect(freezable(frozen, ['conv', 'pool', 'cls'])).toEqual({ toFreeze: 1, toUnfreeze: 1 });
    const open = setTrainable(frozen, ['conv', 'fc'], true);
    expect(analyzeGraph(open).totalParams).toEqual(analyzeGraph(doc).totalParams);
  });

  it('freezes every node with weights before a node', () => {
    const doc = freezeBefore(tinyGraph(), 'cls');
    const frozen = doc.nodes.filter((n) => n.params.trainable === false).map((n) => n.id);
    expect(frozen).toEqual(['conv', 'fc']);
    expect(freezeBefore(doc, 'cls')).toBe(doc);
  });
});
