import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../graph/analyze.ts';
import { parseGraphDocument } from '../graph/load.ts';
import { trunkLayout } from './trunk.ts';

const template = (name: string) =>
  analyzeGraph(
    parseGraphDocument(
      JSON.parse(
        readFileSync(
          join(import.meta.dirname, '../../assets/examples', `${name}.graph.json`),
          'utf8',
        ),
      ),
    ),
  );

describe('the trunk of a multi-task graph', () => {
  it('is MultiLeNet’s shared layers, with its last Dense as the last shared layer', () => {
    const layout = trunkLayout(template('multidigits-lenet'));
    expect([...layout.shared].at(-1)).toBe('shared');
    expect(layout.frontiers).toEqual([['shared'], ['shared']]);
    expect(layout.lastShared).toEqual(['shared']);
  });

  it('in MMoE is the experts and what they read; each gate and tower is its task’s own', () => {
    const layout = trunkLayout(template('multidigits-mmoe'));
    const experts = [1, 2, 3].flatMap((e) =>
      ['conv', 'pool', 'flat', ''].map((s) => (s ? `expert${e}_${s}` : `expert${e}`)),
    );
    expect([...layout.shared].sort()).toEqual(
      ['image', 'conv1', 'pool1', 'features', ...experts].sort(),
    );
    expect(layout.frontiers.map((f) => [...f].sort())).toEqual([
      ['expert1', 'expert2', 'expert3', 'features'],
      ['expert1', 'expert2', 'expert3', 'features'],
    ]);
    // Every expert, and the convolution behind the features the gates read: not the last one alone.
    expect([...layout.lastShared].sort()).toEqual(['conv1', 'expert1', 'expert2', 'expert3']);
  });

  it('in a cross-stitch network is both columns up to the last units', () => {
    const layout = trunkLayout(template('multidigits-cross-stitch'));
    expect([...layout.shared]).toContain('left_stitch2');
    expect([...layout.shared]).not.toContain('left_stitch3');
    expect([...layout.lastShared].sort()).toEqual(['left_dense', 'right_dense']);
  });

  it('in MTAN-style attention is the shared convolutions; the masks are the tasks’ own', () => {
    const layout = trunkLayout(template('multidigits-mtan'));
    expect([...layout.shared]).toEqual(['image', 'conv1', 'pool1', 'conv2']);
    expect(layout.lastShared).toEqual(['conv1', 'conv2']);
  });
});
