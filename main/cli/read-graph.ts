import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';
import { readRegularText } from '../fs/regular-file.ts';

/** Reads a graph file; a missing file or a bad document is one sentence naming the file. */
export async function readGraphFile(path: string): Promise<GraphDocument> {
  const result = loadGraphDocument(await readRegularText(path, { what: 'graph file' }));
  if (!result.ok) throw new StudioError(result.error.code, `${path}: ${result.error.message}`);
  return result.document;
}
