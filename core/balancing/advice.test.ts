import { describe, expect, it } from 'vitest';
import { balancingAdvice, type AdviceEpoch } from './advice.ts';

const epoch = (
  conflictShare: number,
  weights = { a: 1, b: 1 },
  losses = { a: 1, b: 1 },
): AdviceEpoch => ({
  train: { tasks: { a: { loss: losses.a }, b: { loss: losses.b } } },
  weights,
  diagnostics: { gradNorm: {}, cosine: {}, conflictShare, lossRatio: {} },
});

describe('balancing advice', () => {
  it('says nothing before two epochs, or when conflict is rare', () => {
    expect(balancingAdvice([epoch(0.9)], 'fixed')).toEqual([]);
    expect(balancingAdvice([epoch(0.9), epoch(0.2)], 'fixed')).toEqual([]);
  });

  it('names frequent conflict and suggests a gradient-level method', () => {
    const [line] = balancingAdvice([epoch(0.5), epoch(0.6)], 'fixed');
    expect(line).toMatch(/conflict often \(60% of probes/);
    expect(line).toMatch(/gradient-level method/);
    expect(balancingAdvice([epoch(0.5), epoch(0.6)], 'pcgrad')[0]).toMatch(/pcgrad is already/);
    expect(balancingAdvice([epoch(0.5), epoch(0.6)], 'nash-mtl')[0]).toMatch(/nash-mtl is already/);
    expect(balancingAdvice([epoch(0.5), epoch(0.6)], 'rlw')[0]).toMatch(/gradient-level method/);
  });

  it('names a task whose weighted share stays under 3%', () => {
    const starving = epoch(0, { a: 1, b: 0.01 }, { a: 1, b: 1 });
    const lines = balancingAdvice([starving, starving], 'fixed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Task 'b' is being starved/);
    expect(balancingAdvice([epoch(0), starving], 'fixed')).toEqual([]);
  });
});
