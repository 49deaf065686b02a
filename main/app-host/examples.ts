import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExampleGraph } from '../../core/contract/host.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';

const SUFFIX = '.graph.json';

/**
 * The example graphs in `dir` (each `<id>.graph.json`), sorted by id, with the name and the
 * description of the document. A file that does not load is left out and named in `onSkip`.
 */
export async function listExamples(
  dir: string,
  onSkip: (file: string, reason: string) => void = () => undefined,
): Promise<ExampleGraph[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(SUFFIX)).sort();
  const examples: ExampleGraph[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    const loaded = loadGraphDocument(text);
    if (!loaded.ok) {
      onSkip(file, loaded.error.message);
      continue;
    }
    const { document } = loaded;
    examples.push({
      id: file.slice(0, -SUFFIX.length),
      name: document.name,
      description: document.description,
      document,
    });
  }
  return examples;
}
