import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { loadGraphDocument } from '../../../core/graph/load.ts';
import { serializeGraphDocument } from '../../../core/graph/load.ts';
import {
  addNode,
  moveNodes,
  removeElements,
  renameNode,
  setNodeLabel,
  updateGraphInfo,
  updateParams,
  updateTraining,
} from './commands.ts';
import { connect } from './connect.ts';
import { emptyDocument } from './empty-document.ts';
import { autoLayout, estimateNodeSize } from './layout.ts';
import { buildGraph, twoHeads } from './test-graphs.ts';

describe('addNode', () => {
  it('names nodes after their kind, Keras style, the first free number', () => {
    let doc = emptyDocument();
    doc = addNode(doc, 'Conv2D', { x: 0, y: 0 });
    doc = addNode(doc, 'Conv2D', { x: 0, y: 0 });
    doc = addNode(doc, 'MaxPooling2D', { x: 0, y: 0 });
    doc = addNode(doc, 'GlobalAveragePooling2D', { x: 0, y: 0 });
    expect(doc.nodes.map((n) => n.id)).toEqual([
      'conv2d_1',
      'conv2d_2',
      'max_pooling2d_1',
      'global_average_pooling2d_1',
    ]);
  });

  it('gives a new node its default params and the position asked for', () => {
    const doc = addNode(emptyDocument(), 'Dense', { x: 12, y: 34 });
    expect(doc.nodes[0]).toEqual({
      id: 'dense_1',
      kind: 'Dense',
      params: { units: 128, activation: 'relu', useBias: true, l2: 0, trainable: true },
      position: { x: 12, y: 34 },
    });
  });

  it('uses the id asked for when it is free and valid', () => {
    let doc = addNode(emptyDocument(), 'Dense', { x: 0, y: 0 }, 'fc');
    doc = addNode(doc, 'Dense', { x: 0, y: 0 }, 'fc');
    doc = addNode(doc, 'Dense', { x: 0, y: 0 }, '1bad');
    expect(doc.nodes.map((n) => n.id)).toEqual(['fc', 'dense_1', 'dense_2']);
  });

  it('gives each head a task name no other head has', () => {
    let doc = emptyDocument();
    for (let i = 0; i < 3; i++) doc = addNode(doc, 'ClassificationHead', { x: 0, y: 0 });
    expect(doc.nodes.map((n) => n.params.task)).toEqual(['class', 'class_2', 'class_3']);
  });
});

describe('removeElements', () => {
  it('removes the nodes and every link attached to them', () => {
    const doc = removeElements(twoHeads(), ['flat']);
    expect(doc.nodes.map((n) => n.id)).toEqual(['image', 'conv', 'cls', 'box']);
    expect(doc.edges.map((e) => e.id)).toEqual(['image-conv']);
  });

  it('removes links alone', () => {
    const doc = removeElements(twoHeads(), [], ['flat-cls']);
    expect(doc.nodes).toHaveLength(5);
    expect(doc.edges.map((e) => e.id)).not.toContain('flat-cls');
  });

  it('returns the same document when nothing matches', () => {
    const doc = twoHeads();
    expect(removeElements(doc, ['nope'], ['nope'])).toBe(doc);
  });
});

describe('updateParams', () => {
  it('sets params and keeps invalid values for the analysis to mark', () => {
    const doc = updateParams(twoHeads(), 'conv', { filters: 9000 });
    expect(doc.nodes[1]?.params.filters).toBe(9000);
    const problem = analyzeGraph(doc).problems.find((p) => p.code === 'E_INVALID_PARAM');
    expect(problem?.nodeIds).toEqual(['conv']);
  });

  it('returns the same document when no value changes', () => {
    const doc = twoHeads();
    expect(updateParams(doc, 'conv', { filters: 32 })).toBe(doc);
  });

  it('drops the links to ports a merge no longer has', () => {
    const doc = buildGraph(
      [
        ['a', 'Dense'],
        ['b', 'Dense'],
        ['c', 'Dense'],
        ['join', 'Concatenate'],
      ],
      [],
    );
    let withThree = updateParams(doc, 'join', { inputs: 3 });
    for (const [src, port] of [
      ['a', 'in0'],
      ['b', 'in1'],
      ['c', 'in2'],
    ] as const) {
      const result = connect(withThree, src, 'join', port);
      if (!result.ok) throw new Error(result.reason);
      withThree = result.document;
    }
    const two = updateParams(withThree, 'join', { inputs: 2 });
    expect(two.edges.map((e) => e.targetPort)).toEqual(['in0', 'in1']);
  });
});

describe('renameNode', () => {
  it('renames the node and the links that name it', () => {
    const result = renameNode(twoHeads(), 'flat', 'features');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.document.nodes.map((n) => n.id)).toContain('features');
    expect(result.document.edges.filter((e) => e.source === 'features')).toHaveLength(2);
    expect(result.document.edges.filter((e) => e.target === 'features')).toHaveLength(1);
    expect(analyzeGraph(result.document).ok).toBe(true);
  });

  it('refuses an id that is taken or malformed', () => {
    const doc = twoHeads();
    expect(renameNode(doc, 'flat', 'conv')).toEqual({
      ok: false,
      reason: "The id 'conv' is already used by another node.",
    });
    expect(renameNode(doc, 'flat', '9 lives').ok).toBe(false);
  });
});

describe('labels, positions, graph info and training', () => {
  it('sets and clears a label', () => {
    const labelled = setNodeLabel(twoHeads(), 'conv', 'first conv');
    expect(labelled.nodes[1]?.label).toBe('first conv');
    expect('label' in (setNodeLabel(labelled, 'conv', '').nodes[1] ?? {})).toBe(false);
  });

  it('moves nodes and keeps every other object as it was', () => {
    const doc = twoHeads();
    const moved = moveNodes(doc, new Map([['conv', { x: 5, y: 6 }]]));
    expect(moved.nodes[1]?.position).toEqual({ x: 5, y: 6 });
    expect(moved.nodes[0]).toBe(doc.nodes[0]);
    expect(moved.nodes[1]?.params).toBe(doc.nodes[1]?.params);
    expect(moved.edges).toBe(doc.edges);
    expect(moveNodes(moved, new Map([['conv', { x: 5, y: 6 }]]))).toBe(moved);
  });

  it('edits the name and description', () => {
    const doc = updateGraphInfo(twoHeads(), { name: 'Mine', description: 'A test' });
    expect([doc.name, doc.description]).toEqual(['Mine', 'A test']);
  });

  it('edits training settings and removes a key set to undefined', () => {
    const doc = updateTraining(twoHeads(), { epochs: 9, limit: 300 });
    expect(doc.training).toMatchObject({ epochs: 9, limit: 300, optimizer: 'adam' });
    const cleared = updateTraining(doc, { limit: undefined });
    expect('limit' in cleared.training).toBe(false);
    expect(updateTraining(cleared, { epochs: 9 })).toBe(cleared);
  });

  it('keeps UI state out of the saved document', () => {
    const doc = moveNodes(twoHeads(), new Map([['conv', { x: 1, y: 2 }]]));
    const saved = JSON.parse(serializeGraphDocument(doc)) as Record<string, unknown>;
    expect(Object.keys(saved).sort()).toEqual(
      ['description', 'edges', 'format', 'name', 'nodes', 'training', 'version'].sort(),
    );
    const reloaded = loadGraphDocument(saved);
    expect(reloaded.ok && reloaded.document).toEqual(doc);
  });
});

describe('autoLayout', () => {
  it('lays the graph out left to right without overlaps', () => {
    const doc = autoLayout(twoHeads());
    const at = (id: string) => doc.nodes.find((n) => n.id === id)?.position ?? { x: NaN, y: NaN };
    expect(at('image').x).toBeLessThan(at('conv').x);
    expect(at('conv').x).toBeLessThan(at('flat').x);
    expect(at('flat').x).toBeLessThan(at('cls').x);
    expect(at('cls').x).toBe(at('box').x);
    const { height } = estimateNodeSize(doc.nodes[3] ?? doc.nodes[0]!);
    expect(Math.abs(at('cls').y - at('box').y)).toBeGreaterThanOrEqual(height);
    expect(doc.edges).toEqual(twoHeads().edges);
  });

  it('uses measured sizes when it has them, and changes nothing already in place', () => {
    const sizes = new Map([['conv', { width: 400, height: 300 }]]);
    const doc = autoLayout(twoHeads(), { sizes });
    const conv = doc.nodes.find((n) => n.id === 'conv');
    const flat = doc.nodes.find((n) => n.id === 'flat');
    expect((flat?.position.x ?? 0) - (conv?.position.x ?? 0)).toBeGreaterThanOrEqual(400);
    expect(autoLayout(doc, { sizes })).toBe(doc);
  });
});
