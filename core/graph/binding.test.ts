import { describe, expect, it } from 'vitest';
import type { DatasetTarget } from '../dataset-target.ts';
import { analyzeGraph } from './analyze.ts';
import { checkBindings } from './binding.ts';
import { parseGraphDocument } from './load.ts';

const targets: DatasetTarget[] = [
  { name: 'class', kind: 'class', classes: ['a', 'b', 'c'] },
  { name: 'box', kind: 'box' },
  { name: 'colour', kind: 'numeric', columns: ['r', 'g', 'b'] },
];

const heads = (params: Record<string, unknown>, kind = 'ClassificationHead') =>
  analyzeGraph(
    parseGraphDocument({
      format: 'multitask-studio/graph',
      version: 1,
      nodes: [
        { id: 'image', kind: 'Input' },
        { id: 'flat', kind: 'Flatten' },
        { id: 'head', kind, params },
      ],
      edges: [
        { id: 'a', source: 'image', target: 'flat' },
        { id: 'b', source: 'flat', target: 'head' },
      ],
    }),
  ).heads;

describe('checkBindings', () => {
  it('accepts heads whose targets fit', () => {
    expect(checkBindings(heads({ classes: 3 }), targets, 'toy')).toEqual([]);
    expect(checkBindings(heads({}, 'BoxHead'), targets, 'toy')).toEqual([]);
    expect(
      checkBindings(heads({ target: 'colour', units: 3 }, 'RegressionHead'), targets, 'toy'),
    ).toEqual([]);
  });

  it('names a missing target and what the dataset has', () => {
    const [p] = checkBindings(heads({ target: 'label', classes: 3 }), targets, 'toy');
    expect(p?.code).toBe('E_TARGET_MISSING');
    expect(p?.message).toBe(
      "Classification head 'head' learns the target 'label' but the toy dataset has only 'class', 'box', 'colour'.",
    );
  });

  it('names a target of the wrong kind', () => {
    const [p] = checkBindings(heads({ target: 'class' }, 'BoxHead'), targets, 'toy');
    expect(p?.code).toBe('E_TARGET_KIND');
    expect(p?.message).toContain(
      "needs a box target but 'class' in the toy dataset is a class target",
    );
  });

  it('says what the class count or width should be', () => {
    const [p] = checkBindings(heads({ classes: 10 }), targets, 'toy');
    expect(p?.code).toBe('E_TARGET_SIZE');
    expect(p?.message).toContain('has 3 classes (a, b, c); set classes to 3.');
    const [q] = checkBindings(
      heads({ target: 'colour', units: 2 }, 'RegressionHead'),
      targets,
      'toy',
    );
    expect(q?.message).toContain('has 3 columns (r, g, b); set units to 3.');
  });
});
