import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { connect, reconnect } from './connect.ts';
import { buildGraph, twoHeads } from './test-graphs.ts';

const refusal = (result: ReturnType<typeof connect>) => (result.ok ? undefined : result.reason);

describe('connect', () => {
  it('links a node to a free port with a readable id', () => {
    const doc = buildGraph([
      ['image', 'Input'],
      ['conv', 'Conv2D'],
    ]);
    const result = connect(doc, 'image', 'conv');
    expect(result.ok && result.document.edges).toEqual([
      { id: 'image-conv', source: 'image', target: 'conv', targetPort: 'in' },
    ]);
  });

  it('refuses a self-loop', () => {
    const doc = buildGraph([['conv', 'Conv2D']]);
    expect(refusal(connect(doc, 'conv', 'conv'))).toBe("Conv2D 'conv' cannot feed itself.");
  });

  it('refuses a duplicate link', () => {
    const doc = twoHeads();
    expect(refusal(connect(doc, 'image', 'conv'))).toMatch(/already linked/);
  });

  it('refuses a link that would close a cycle, naming the path', () => {
    const doc = buildGraph(
      [
        ['a', 'Dense'],
        ['b', 'Dense'],
        ['c', 'Dense'],
      ],
      [
        ['a', 'b'],
        ['b', 'c'],
      ],
    );
    expect(refusal(connect(doc, 'c', 'a'))).toBe(
      "Linking 'c' to 'a' would make a cycle ('a' → 'b' → 'c' → 'a'); a model computes in one direction.",
    );
  });

  it('replaces the link on a single-input port that already has one', () => {
    const doc = buildGraph(
      [
        ['image', 'Input'],
        ['c1', 'Conv2D'],
        ['c2', 'Conv2D'],
        ['c3', 'Conv2D'],
      ],
      [
        ['image', 'c1'],
        ['image', 'c2'],
        ['c1', 'c3'],
      ],
    );
    const result = connect(doc, 'c2', 'c3');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.document.edges.filter((e) => e.target === 'c3')).toEqual([
      { id: 'c2-c3', source: 'c2', target: 'c3', targetPort: 'in' },
    ]);
    expect(analyzeGraph(result.document).problems.map((p) => p.code)).not.toContain(
      'E_PORT_OVERCONNECTED',
    );
  });

  it('uses the numbered ports of a merge, each once', () => {
    const doc = buildGraph([
      ['a', 'Dense'],
      ['b', 'Dense'],
      ['join', 'Concatenate'],
    ]);
    const first = connect(doc, 'a', 'join', 'in0');
    if (!first.ok) throw new Error(first.reason);
    const second = connect(first.document, 'b', 'join', 'in1');
    expect(second.ok && second.document.edges.map((e) => e.id)).toEqual([
      'a-join-in0',
      'b-join-in1',
    ]);
  });

  it('refuses a port the target does not have', () => {
    const doc = buildGraph([
      ['a', 'Dense'],
      ['join', 'Add'],
    ]);
    expect(refusal(connect(doc, 'a', 'join', 'in5'))).toBe(
      "Add 'join' has no input 'in5'; its inputs are 'in0', 'in1'.",
    );
    expect(refusal(connect(doc, 'a', 'join', 'in'))).toMatch(/has no input 'in'/);
  });

  it('refuses links into the Input, which has no input port', () => {
    const doc = buildGraph([
      ['image', 'Input'],
      ['conv', 'Conv2D'],
    ]);
    expect(refusal(connect(doc, 'conv', 'image'))).toBe(
      "Input 'image' takes no input: the image enters the model there.",
    );
  });

  it('refuses links out of a task head', () => {
    const doc = twoHeads();
    expect(refusal(connect(doc, 'cls', 'box'))).toMatch(/is a task output/);
  });

  it('refuses ends that are not in the graph', () => {
    const doc = twoHeads();
    expect(refusal(connect(doc, 'nope', 'conv'))).toMatch(/no node 'nope'/);
  });
});

describe('reconnect', () => {
  it('moves the target end of a link', () => {
    const doc = buildGraph(
      [
        ['a', 'Dense'],
        ['b', 'Dense'],
        ['c', 'Dense'],
      ],
      [['a', 'b']],
    );
    const result = reconnect(doc, 'a-b', { target: 'c' });
    expect(result.ok && result.document.edges).toEqual([
      { id: 'a-c', source: 'a', target: 'c', targetPort: 'in' },
    ]);
  });

  it('applies the connect rules to the new ends', () => {
    const doc = buildGraph(
      [
        ['a', 'Dense'],
        ['b', 'Dense'],
        ['c', 'Dense'],
      ],
      [
        ['a', 'b'],
        ['b', 'c'],
      ],
    );
    expect(refusal(reconnect(doc, 'a-b', { source: 'c' }))).toMatch(/cycle/);
    expect(refusal(reconnect(doc, 'a-b', { target: 'a' }))).toMatch(/cannot feed itself/);
  });

  it('does not count the link being moved as a duplicate or a cycle', () => {
    const doc = buildGraph(
      [
        ['a', 'Dense'],
        ['b', 'Dense'],
      ],
      [['a', 'b']],
    );
    expect(reconnect(doc, 'a-b', { target: 'b' })).toEqual({ ok: true, document: doc });
  });
});
