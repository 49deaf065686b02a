import { describe, expect, it } from 'vitest';
import { analyzeGraph } from './analyze.ts';
import { MAX_GRAPH_DEPTH } from './depth.ts';
import { chainGraph } from './test-chain-graph.ts';
import { findCycle, longestPath, topologicalOrder } from './topology.ts';

describe('long chains of nodes', () => {
  it('finds a cycle at the end of a chain far longer than the call stack is deep', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => `n${i}`);
    const links = ids.slice(1).map((target, i) => ({ source: ids[i] as string, target }));
    expect(findCycle(ids, links)).toBeUndefined();
    links.push({ source: 'n49999', target: 'n49997' });
    expect(findCycle(ids, links)).toEqual(['n49997', 'n49998', 'n49999']);
  });

  it('measures the longest path, not the number of nodes', () => {
    const links = [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
      { source: 'a', target: 'c' },
      { source: 'a', target: 'd' },
    ];
    const ids = ['a', 'b', 'c', 'd'];
    expect(longestPath(topologicalOrder(ids, links), links)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a chain deeper than the engine can build, with a sentence', () => {
    const analysis = analyzeGraph(chainGraph(4990));
    expect(analysis.problems.map((p) => p.code)).toEqual(['E_GRAPH_TOO_DEEP']);
    expect(analysis.problems[0]?.message).toBe(
      `The path from Input 'image' to Classification head 'class_out' goes through 4990 nodes, but the engine builds models at most ${MAX_GRAPH_DEPTH} nodes deep; shorten it.`,
    );
    expect(analyzeGraph(chainGraph(MAX_GRAPH_DEPTH)).ok).toBe(true);
  });
});
