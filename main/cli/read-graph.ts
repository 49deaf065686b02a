import { readFile } from 'node:fs/promises';
import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';

/** Reads a graph file; a missing file or a bad document is one sentence naming the file. */
export async function readGraphFile(path: string): Promise<GraphDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError(
      'E_FILE',
      code === 'ENOENT'
        ? `There is no file ${path}.`
        : code === 'EISDIR'
          ? `${path} is a folder, not a graph file.`
          : `${path} cannot be read: ${(e as Error).message}.`,
    );
  }
  const result = loadGraphDocument(text);
  if (!result.ok) throw new StudioError(result.error.code, `${path}: ${result.error.message}`);
  return result.document;
}
