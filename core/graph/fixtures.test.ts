import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from './analyze.ts';
import { loadGraphDocument } from './load.ts';

/**
 * Every graph document in fixtures/ comes with NAME.expect.json, the result it must give:
 * a load error (with words the sentence must contain) or exactly the listed problems.
 */
interface ExpectedProblem {
  code: string;
  nodeIds?: string[];
  field?: string;
  messageIncludes?: string;
}
interface Expectation {
  load: 'ok' | 'error';
  messageIncludes?: string;
  problems?: ExpectedProblem[];
  totalParams?: number;
  /** Parameters that train (frozen nodes' count as non-trainable). */
  trainableParams?: number;
}

const dir = join(import.meta.dirname, 'fixtures');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.graph.json'))
  .map((f) => f.replace(/\.graph\.json$/, ''));

describe('graph fixtures', () => {
  it('has valid and broken documents', () => {
    expect(names.filter((n) => n.startsWith('broken-')).length).toBeGreaterThan(20);
    expect(names.filter((n) => n.startsWith('valid-')).length).toBeGreaterThan(2);
  });

  it.each(names)('%s gives its expected result', (name) => {
    const text = readFileSync(join(dir, `${name}.graph.json`), 'utf8');
    const expected = JSON.parse(
      readFileSync(join(dir, `${name}.expect.json`), 'utf8'),
    ) as Expectation;
    const loaded = loadGraphDocument(text);
    if (expected.load === 'error') {
      expect(loaded.ok).toBe(false);
      if (loaded.ok) return;
      expect(loaded.error.message).toContain(expected.messageIncludes ?? '');
      expect(loaded.error.message).toMatch(/\.$/);
      return;
    }
    if (!loaded.ok) throw loaded.error;
    const analysis = analyzeGraph(loaded.document);
    const got = analysis.problems.map((p) => ({ ...p }));
    for (const want of expected.problems ?? []) {
      const match = got.find(
        (p) =>
          p.code === want.code &&
          (!want.nodeIds || JSON.stringify(p.nodeIds) === JSON.stringify(want.nodeIds)) &&
          (!want.field || p.field === want.field) &&
          (!want.messageIncludes || p.message.includes(want.messageIncludes)),
      );
      expect(match, `${want.code} in ${JSON.stringify(got, null, 1)}`).toBeDefined();
    }
    expect(got.map((p) => p.code).sort()).toEqual(
      (expected.problems ?? []).map((p) => p.code).sort(),
    );
    for (const p of got) expect(p.message).toMatch(/[.]$/);
    expect(analysis.ok).toBe(got.every((p) => p.severity === 'warning'));
    if (expected.totalParams !== undefined) {
      expect(analysis.totalParams.trainable + analysis.totalParams.nonTrainable).toBe(
        expected.totalParams,
      );
    }
    if (expected.trainableParams !== undefined) {
      expect(analysis.totalParams.trainable).toBe(expected.trainableParams);
    }
  });
});
