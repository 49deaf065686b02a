import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../../core/contract/host.ts';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { checkBindings } from '../../../core/graph/binding.ts';
import { updateParams } from './commands.ts';
import { fitHeadsToDataset, fitSentence, paramsForTarget } from './fit-heads.ts';
import { twoHeads } from './test-graphs.ts';

const SHAPES: DatasetInfo['targets'] = [
  { name: 'shape', kind: 'class', classes: ['circle', 'square', 'triangle'] },
  { name: 'box', kind: 'box' },
  { name: 'colour', kind: 'numeric', columns: ['r', 'g', 'b'] },
];

/** The two-head graph as a digits graph has it: 10 classes of 'class', and a box. */
const digitsGraph = () =>
  updateParams(twoHeads(), 'cls', { target: 'class', classes: 10, task: 'class' });

describe('fitting the heads to a dataset', () => {
  it('retargets and resizes the heads and adds one per target left over, as one edit', () => {
    const before = digitsGraph();
    expect(checkBindings(analyzeGraph(before).heads, SHAPES, 'shapes').length).toBeGreaterThan(0);
    const r = fitHeadsToDataset(before, SHAPES, 'LR');
    if (!r.ok || !r.fit) throw new Error('refused');
    expect(r.fit).toEqual({ changed: ['cls'], added: [expect.any(String)], unmatched: [] });
    const cls = r.document.nodes.find((n) => n.id === 'cls');
    expect(cls?.params).toMatchObject({ target: 'shape', classes: 3, task: 'class' });
    const added = r.document.nodes.find((n) => n.id === r.fit?.added[0]);
    expect(added).toMatchObject({ kind: 'RegressionHead', params: { target: 'colour', units: 3 } });
    // Fed by what feeds the other heads, and every head now fits.
    expect(r.document.edges.some((e) => e.source === 'flat' && e.target === added?.id)).toBe(true);
    const analysis = analyzeGraph(r.document);
    expect(analysis.ok).toBe(true);
    expect(checkBindings(analysis.heads, SHAPES, 'shapes')).toEqual([]);
    expect(fitSentence(r.fit, 'shapes')).toBe(
      `Fitted the heads to shapes: changed cls; added ${added?.id}.`,
    );
  });

  it('leaves a head whose kind the dataset lacks, and says so', () => {
    const r = fitHeadsToDataset(digitsGraph(), [SHAPES[0]!], 'LR');
    if (!r.ok || !r.fit) throw new Error('refused');
    expect(r.fit.unmatched).toEqual(['box']);
    expect(fitSentence(r.fit, 'x')).toBe(
      'Fitted the heads to x: changed cls; box has no target of its kind there (remove or keep).',
    );
    const again = fitHeadsToDataset(r.document, [SHAPES[0]!], 'LR');
    expect(again.ok && again.fit && fitSentence({ ...again.fit, unmatched: [] }, 'x')).toBe(
      'The heads already fit x.',
    );
  });

  it("a head's target brings its width; a target of another kind brings nothing", () => {
    const cls = digitsGraph().nodes.find((n) => n.id === 'cls')!;
    expect(paramsForTarget(cls, SHAPES[0])).toEqual({ target: 'shape', classes: 3 });
    expect(paramsForTarget(cls, SHAPES[2])).toEqual({});
  });
});
