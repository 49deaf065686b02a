import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { moveNodes, removeElements, updateParams } from '../graph/commands.ts';
import { connect } from '../graph/connect.ts';
import { twoHeads } from '../graph/test-graphs.ts';
import { FlowEdgeBuilder, FlowNodeBuilder } from './flow-elements.ts';
import { problemsByNode } from './node-view.ts';
import { boundsText } from '../../../core/graph/setting-fields.ts';
import { fieldTitle, paramFields } from './param-schema.ts';
import { commandForKey, shortcutText, tooltip } from './shortcuts.ts';
import { modelSummary } from './summary.ts';

const none = { nodeIds: [], edgeIds: [] };
const key = (k: string, mods: { ctrl?: boolean; shift?: boolean; meta?: boolean } = {}) => ({
  key: k,
  ctrlKey: !!mods.ctrl,
  metaKey: !!mods.meta,
  shiftKey: !!mods.shift,
  altKey: false,
});

describe('canvas elements', () => {
  it("shows each node's memory in training, and follows the batch size", () => {
    const doc = twoHeads();
    const analysis = analyzeGraph(doc);
    const nodes = new FlowNodeBuilder();
    const conv = () => nodes.build(doc, analysis, none, new Map()).find((n) => n.id === 'conv');
    expect(conv()?.data.view.memory).toBe('32 MiB');
    doc.training = { ...doc.training, batchSize: 64 };
    expect(conv()?.data.view.memory).toBe('64 MiB');
  });

  it('keeps every other node and the link array when one node moves', () => {
    const doc = twoHeads();
    const analysis = analyzeGraph(doc);
    const nodes = new FlowNodeBuilder();
    const edges = new FlowEdgeBuilder();
    const before = nodes.build(doc, analysis, none, new Map());
    const linksBefore = edges.build(doc, analysis, none);
    const moved = moveNodes(doc, new Map([['conv', { x: 9, y: 9 }]]));
    const after = nodes.build(moved, analysis, none, new Map());
    expect(after.filter((n, i) => n !== before[i]).map((n) => n.id)).toEqual(['conv']);
    expect(after[1]?.data).toBe(before[1]?.data);
    expect(edges.build(moved, analysis, none)).toBe(linksBefore);
  });

  it('shows shapes on links and marks the node at fault, not the one feeding it', () => {
    let doc = removeElements(twoHeads(), ['flat']);
    const result = connect(doc, 'conv', 'cls');
    if (!result.ok) throw new Error(result.reason);
    doc = result.document;
    const analysis = analyzeGraph(doc);
    const flow = new FlowNodeBuilder().build(doc, analysis, none, new Map());
    const view = (id: string) => flow.find((n) => n.id === id)?.data.view;
    expect(view('cls')?.error).toMatch(/expects a vector input but Conv2D 'conv' gives/);
    expect(view('conv')?.error).toBeUndefined();
    expect(view('conv')?.shape).toBe('[64, 64, 32]');
    expect(view('conv')?.params).toBe('896');
    expect(view('image')?.hasOutput).toBe(true);
    expect(view('cls')?.hasOutput).toBe(false);
    const links = new FlowEdgeBuilder().build(doc, analysis, none);
    expect(links.find((e) => e.id === 'conv-cls')?.data?.shape).toBe('[64, 64, 32]');
    expect(problemsByNode(analysis).get('box')?.error).toMatch(/not reachable|nothing connected/);
  });

  it('draws a link to a port its node lacks to the first port, marked broken', () => {
    const doc = twoHeads();
    const wrong = {
      ...doc,
      edges: doc.edges.map((e) => (e.id === 'image-conv' ? { ...e, targetPort: 'in3' } : e)),
    };
    const links = new FlowEdgeBuilder().build(wrong, analyzeGraph(wrong), none);
    const link = links.find((e) => e.id === 'image-conv');
    expect(link?.targetHandle).toBeNull();
    expect(link?.data?.broken).toBe(true);
  });

  it('gives a new data object when what a node shows changes', () => {
    const doc = twoHeads();
    const builder = new FlowNodeBuilder();
    const before = builder.build(doc, analyzeGraph(doc), none, new Map());
    const edited = updateParams(doc, 'conv', { filters: 8 });
    const after = builder.build(edited, analyzeGraph(edited), none, new Map());
    expect(after[1]?.data.view.detail).toMatch(/^8 /);
    expect(after[0]).toBe(before[0]);
  });
});

describe('inspector fields', () => {
  it('come from the kind schema with bounds and docs', () => {
    const fields = paramFields('Conv2D');
    expect(fields.map((f) => f.name)).toEqual([
      'filters',
      'kernelSize',
      'strides',
      'padding',
      'activation',
      'useBias',
      'l2',
      'trainable',
    ]);
    const filters = fields[0];
    expect(filters).toMatchObject({ type: 'integer', min: 1, max: 4096 });
    expect(filters?.description).toBe('Number of filters, the output channels.');
    expect(fields[3]).toMatchObject({ type: 'enum', options: ['same', 'valid'] });
    expect(fields[5]?.type).toBe('boolean');
    const rate = paramFields('Dropout')[0];
    expect(rate && boundsText(rate)).toBe('at least 0, below 1');
    expect(fieldTitle('lossWeight')).toBe('Loss weight');
  });

  it('give heads their task, target, loss and weight', () => {
    expect(paramFields('BoxHead').map((f) => f.name)).toEqual([
      'task',
      'target',
      'loss',
      'huberDelta',
      'lossWeight',
      'trainable',
    ]);
  });
});

describe('shortcuts', () => {
  it('maps keys to commands and ignores Shift on symbols', () => {
    expect(commandForKey(key('z', { ctrl: true }))).toBe('undo');
    expect(commandForKey(key('Z', { ctrl: true, shift: true }))).toBe('redo');
    expect(commandForKey(key('y', { meta: true }))).toBe('redo');
    expect(commandForKey(key('S', { ctrl: true, shift: true }))).toBe('saveAs');
    expect(commandForKey(key('Delete'))).toBe('delete');
    expect(commandForKey(key('l'))).toBe('layout');
    expect(commandForKey(key('?', { shift: true }))).toBe('shortcuts');
    expect(commandForKey(key('l', { ctrl: true }))).toBeUndefined();
    expect(commandForKey(key('q'))).toBeUndefined();
  });

  it('names the keys in tooltips', () => {
    expect(shortcutText('redo', false)).toBe('Ctrl+Shift+Z or Ctrl+Y');
    expect(shortcutText('saveAs', true)).toBe('⌘⇧S');
    expect(tooltip('layout')).toBe('Auto-layout (L)');
  });
});

describe('model summary', () => {
  it('lists layers in order with shapes, params and totals', () => {
    const doc = twoHeads();
    const summary = modelSummary(doc, analyzeGraph(doc));
    expect(summary.rows.map((r) => r.id)).toEqual(['image', 'conv', 'flat', 'cls', 'box']);
    expect(summary.rows[1]).toMatchObject({
      shape: '[64, 64, 32]',
      params: '896',
      // 896 weights × 4 (value, gradient, Adam's two) + 64·64·32 outputs × batch 32 × 2, float32.
      memory: '32 MiB',
      connectedTo: 'image',
    });
    expect(summary.total).toBe('1,835,918');
    expect(summary.memory).toMatch(/^\d+ MiB \(weights 7 MiB, gradients 7 MiB, Adam state 14 MiB/);
    expect(summary.tasks).toHaveLength(2);
  });
});
