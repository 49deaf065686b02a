import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from './analyze.ts';
import { parseGraphDocument } from './load.ts';
import { asNodeId } from '../ids.ts';

const examples = join(import.meta.dirname, '../../assets/examples');
const load = (file: string) => parseGraphDocument(readFileSync(join(examples, file), 'utf8'));

describe('analyzeGraph on the Keras reference', () => {
  const analysis = analyzeGraph(load('keras-reference.graph.json'));
  const params = (id: string) => analysis.nodes.get(asNodeId(id))?.paramCount?.trainable;

  it('has no problems', () => {
    expect(analysis.problems).toEqual([]);
    expect(analysis.ok).toBe(true);
  });

  it('counts exactly the parameters Keras reports', () => {
    expect(params('conv1')).toBe(896);
    expect(params('conv2')).toBe(18_496);
    expect(params('cls_dense')).toBe(2_097_280);
    expect(params('class_output')).toBe(1_290);
    expect(params('box_dense')).toBe(4_194_560);
    expect(params('box_output')).toBe(1_028);
    expect(analysis.totalParams).toEqual({ trainable: 6_313_550, nonTrainable: 0 });
  });

  it('infers every output and edge shape', () => {
    const shape = (id: string) => analysis.nodes.get(asNodeId(id))?.outputShape;
    expect(shape('image')).toEqual([64, 64, 3]);
    expect(shape('pool1')).toEqual([32, 32, 32]);
    expect(shape('pool2')).toEqual([16, 16, 64]);
    expect(shape('cls_flatten')).toEqual([16384]);
    expect(shape('class_output')).toEqual([10]);
    expect(shape('box_output')).toEqual([4]);
    expect(analysis.edgeShapes.get('pool2-box_flatten')).toEqual([16, 16, 64]);
    expect(analysis.edgeShapes.size).toBe(10);
  });

  it('lists the heads in document order with their tasks', () => {
    expect(analysis.heads.map((h) => [h.task, h.targetKind, h.loss, h.units, h.metrics])).toEqual([
      ['class', 'class', 'categoricalCrossentropy', 10, ['accuracy']],
      ['box', 'box', 'binaryCrossentropy', 4, ['meanIoU', 'iou50']],
    ]);
  });

  it('orders nodes so every node comes after its sources', () => {
    const position = new Map(analysis.order.map((id, i) => [id, i]));
    for (const node of analysis.nodes.values()) {
      for (const s of node.sources)
        expect(position.get(s)).toBeLessThan(position.get(node.id) ?? -1);
    }
  });
});

describe('analyzeGraph on the other examples', () => {
  it('shapes-three-tasks counts BatchNormalization statistics as non-trainable', () => {
    const a = analyzeGraph(load('shapes-three-tasks.graph.json'));
    expect(a.problems).toEqual([]);
    expect(a.totalParams.nonTrainable).toBe(32);
    expect(a.nodes.get(asNodeId('box_features'))?.outputShape).toEqual([96]);
    expect(a.heads.map((h) => h.task)).toEqual(['shape', 'colour', 'box']);
  });

  it('digits-strong is valid', () => {
    expect(analyzeGraph(load('digits-strong.graph.json')).ok).toBe(true);
  });

  it('digits-compact is valid', () => {
    expect(analyzeGraph(load('digits-compact.graph.json')).ok).toBe(true);
  });
});

describe('analyzeGraph as the user edits', () => {
  it('a shape error appears when a Flatten is removed and disappears when it is back', () => {
    const doc = load('keras-reference.graph.json');
    const withoutFlatten = {
      ...doc,
      nodes: doc.nodes.filter((n) => n.id !== 'cls_flatten'),
      edges: [
        ...doc.edges.filter((e) => e.source !== 'cls_flatten' && e.target !== 'cls_flatten'),
        { id: 'direct', source: 'pool2', target: 'cls_dense', targetPort: 'in' },
      ],
    };
    const broken = analyzeGraph(withoutFlatten);
    expect(broken.problems.map((p) => p.message)).toEqual([
      "Dense 'cls_dense' expects a vector input but MaxPooling2D 'pool2' gives [16, 16, 64]; add a Flatten or GlobalAveragePooling2D before it.",
    ]);
    expect(analyzeGraph(doc).problems).toEqual([]);
  });
});
