import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../../core/contract/host.ts';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { addAfter, headParamsForDataset } from './add-after.ts';
import { addNode } from './commands.ts';
import { linkInOrder } from './connect.ts';
import { emptyDocument } from './empty-document.ts';
import { bestLayout, flowDirectionOf } from './layout.ts';

const SHAPES: DatasetInfo['targets'] = [
  { name: 'class', kind: 'class', classes: ['circle', 'square', 'triangle', 'star', 'cross'] },
  { name: 'box', kind: 'box' },
  { name: 'colour', kind: 'numeric', columns: ['r', 'g', 'b'] },
];

/** Clicks kinds one after another, each after the node the last click added. */
function chain(kinds: Parameters<typeof addNode>[1][]) {
  let doc = addNode(emptyDocument(), 'Input', { x: 0, y: 0 });
  let last = doc.nodes[0]?.id ?? '';
  for (const kind of kinds) {
    const r = addAfter(doc, kind, last, 'LR', SHAPES);
    if (!r.ok || !r.nodeId) throw new Error(r.ok ? 'no node' : r.reason);
    doc = r.document;
    last = r.nodeId;
  }
  return { doc, last };
}

describe('adding after the selected node', () => {
  it('places the node along the flow, links it, and fits a head to the dataset', () => {
    const { doc } = chain(['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'ClassificationHead']);
    expect(doc.edges.map((e) => `${e.source}>${e.target}`)).toEqual([
      'input_1>conv2d_1',
      'conv2d_1>max_pooling2d_1',
      'max_pooling2d_1>flatten_1',
      'flatten_1>dense_1',
      'dense_1>classification_head_1',
    ]);
    const xs = doc.nodes.map((n) => n.position.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(doc.nodes.map((n) => n.position.y))).toEqual(new Set([0]));
    expect(doc.nodes.at(-1)?.params).toMatchObject({ task: 'class', target: 'class', classes: 5 });
  });

  it('after a head, adds beside it from what feeds it: three heads on one trunk', () => {
    const { doc, last } = chain(['Flatten', 'Dense', 'ClassificationHead']);
    const box = addAfter(doc, 'BoxHead', last, 'LR', SHAPES);
    if (!box.ok || !box.nodeId) throw new Error('refused');
    const colour = addAfter(box.document, 'RegressionHead', box.nodeId, 'LR', SHAPES);
    if (!colour.ok) throw new Error(colour.reason);
    const heads = colour.document.nodes.slice(-3);
    expect(colour.document.edges.filter((e) => e.source === 'dense_1')).toHaveLength(3);
    expect(heads.map((h) => h.params.target)).toEqual(['class', 'box', 'colour']);
    expect(heads[2]?.params).toMatchObject({ task: 'colour', units: 3 });
    // Beside one another, not on top of one another.
    expect(new Set(heads.map((h) => h.position.y)).size).toBe(3);
    expect(analyzeGraph(colour.document).ok).toBe(true);
  });

  it('keeps the node and says why when the link is refused', () => {
    const doc = addNode(emptyDocument(), 'Input', { x: 0, y: 0 });
    const r = addAfter(doc, 'Input', 'input_1', 'LR', SHAPES);
    expect(r.ok && r.document.nodes).toHaveLength(2);
    expect(r.ok && r.document.edges).toHaveLength(0);
  });

  it('a head with no target of its kind in the dataset keeps its defaults', () => {
    expect(headParamsForDataset(emptyDocument(), 'BoxHead', [SHAPES[0]!])).toEqual({});
    expect(headParamsForDataset(emptyDocument(), 'Dense', SHAPES)).toEqual({});
  });
});

describe('linking from the keyboard', () => {
  it('links the selected nodes in selection order, into free ports', () => {
    let doc = addNode(emptyDocument(), 'Input', { x: 0, y: 0 });
    doc = addNode(doc, 'Conv2D', { x: 300, y: 0 });
    doc = addNode(doc, 'Flatten', { x: 600, y: 0 });
    const r = linkInOrder(doc, ['input_1', 'conv2d_1', 'flatten_1']);
    expect(r.ok && r.document.edges.map((e) => `${e.source}>${e.target}`)).toEqual([
      'input_1>conv2d_1',
      'conv2d_1>flatten_1',
    ]);
    const one = linkInOrder(doc, ['input_1']);
    expect(one.ok).toBe(false);
    expect(!one.ok && one.reason).toMatch(/press K/);
  });
});

describe('layout direction', () => {
  it('lays a long chain downwards in a tall window and across in a wide one', () => {
    const { doc } = chain(['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']);
    expect(bestLayout(doc, { width: 1200, height: 400 }).direction).toBe('LR');
    const tall = bestLayout(doc, { width: 400, height: 1200 });
    expect(tall.direction).toBe('TB');
    expect(flowDirectionOf(tall.document)).toBe('TB');
    expect(flowDirectionOf(doc)).toBe('LR');
  });
});
