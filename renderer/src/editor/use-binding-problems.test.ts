import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { sampleInspection } from '../datasets/test-inspection.ts';
import { twoHeads } from '../graph/test-graphs.ts';
import { bindingProblems } from './use-binding-problems.ts';

const digits = {
  name: 'digits',
  description: 'Digits',
  fullSize: 1000,
  targets: [
    { name: 'class', kind: 'class' as const, classes: [...'0123456789'] },
    { name: 'box', kind: 'box' as const },
  ],
};

describe('bindingProblems', () => {
  const heads = analyzeGraph(twoHeads()).heads;

  it('checks the heads against a built-in or an inspected dataset, as the engine does', () => {
    const imported = sampleInspection('/d/labels.csv').info;
    expect(bindingProblems(heads, 'digits', [digits, imported], ['digits'])).toEqual([]);
    const problems = bindingProblems(heads, '/d/labels.csv', [digits, imported], ['digits']);
    expect(problems.map((p) => [p.code, p.nodeIds, p.field])).toEqual([
      ['E_TARGET_SIZE', ['cls'], 'classes'],
    ]);
    expect(problems[0]?.message).toContain(
      "the target 'class' in the '/d/labels.csv' dataset has 2 classes (red, blue); set classes to 2.",
    );
  });

  it('says nothing while the dataset’s targets are unknown', () => {
    expect(bindingProblems(heads, '/not/inspected.csv', [digits], ['digits'])).toEqual([]);
  });
});
