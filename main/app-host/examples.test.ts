import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { parseGraphDocument } from '../../core/graph/load.ts';
import { checkDatasetForGraph } from '../runs/dataset-check.ts';
import { listExamples } from './examples.ts';

const EXAMPLES = join(import.meta.dirname, '../../assets/examples');

describe('the shipped templates', () => {
  it('all load, validate and fit the built-in dataset each names', async () => {
    const skipped: string[] = [];
    const examples = await listExamples(EXAMPLES, (file, reason) =>
      skipped.push(`${file}: ${reason}`),
    );
    expect(skipped).toEqual([]);
    expect(examples.map((e) => e.id)).toContain('multidigits-lenet');
    for (const example of examples) {
      // The host contract carries the document untyped; read it as the app does.
      const { id } = example;
      const document = parseGraphDocument(example.document);
      const analysis = analyzeGraph(document);
      expect({ id, problems: analysis.problems }).toEqual({ id, problems: [] });
      expect(document.description, id).not.toBe('');
      // Every template opens on a dataset it can train on, with each head bound to a target.
      expect(checkDatasetForGraph(analysis, document.training.dataset)).toBe(
        document.training.dataset,
      );
    }
  });
});
