import { readFile, stat } from 'node:fs/promises';
import { formatBytes } from '../../core/format.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { StudioError } from '../../core/problems.ts';
import { fileErrorSentence, isFileError, kindOfPath } from '../fs/file-errors.ts';

/** Far above the largest graph the schema allows (5,000 nodes, 20,000 links). */
const MAX_GRAPH_BYTES = 64 * 1024 ** 2;

/** Reads a graph file; a missing file or a bad document is one sentence naming the file. */
export async function readGraphFile(path: string): Promise<GraphDocument> {
  let text: string;
  try {
    // Only a plain file of a sane size: /dev/zero or a pipe would be read forever.
    const stats = await stat(path);
    if (!stats.isFile()) {
      throw new StudioError('E_FILE', `${path} is ${kindOfPath(stats)}, not a graph file.`);
    }
    if (stats.size > MAX_GRAPH_BYTES) {
      throw new StudioError(
        'E_FILE',
        `${path} is ${formatBytes(stats.size)}, too large for a graph file (at most ${formatBytes(MAX_GRAPH_BYTES)}).`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (!isFileError(e)) throw e;
    throw new StudioError('E_FILE', fileErrorSentence(e, path, 'read'));
  }
  const result = loadGraphDocument(text);
  if (!result.ok) throw new StudioError(result.error.code, `${path}: ${result.error.message}`);
  return result.document;
}
