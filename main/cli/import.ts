import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { importLayersModel } from '../../core/graph/import-layers.ts';
import { loadGraphDocument, serializeGraphDocument } from '../../core/graph/load.ts';
import { StudioError } from '../../core/problems.ts';
import { onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';

/**
 * `import model.json --out graph.json`: a TensorFlow.js Layers model (functional or Sequential,
 * nested models flattened) as a graph document, or one
 * sentence per layer the studio cannot represent (and no file).
 */
export async function importCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs('import', argv, {
    out: { type: 'string' },
  } as const);
  const path = onePositional('import', 'a model.json file', positionals);
  if (!values.out) {
    throw new StudioError('E_BAD_FLAG', "'import' needs --out FILE, the graph file to write.");
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new StudioError(
      'E_IMPORT',
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `There is no file ${path}.`
        : `${path} cannot be read as JSON: ${(e as Error).message}.`,
    );
  }
  const imported = importLayersModel(json, basename(dirname(path)) || 'imported model');
  if (!imported.ok) {
    throw new StudioError(
      'E_IMPORT',
      `${path} cannot be imported: ${imported.sentences.join(' ')}`,
    );
  }
  // The model's weights are the training start: a run of this graph begins where the model is.
  const loaded = loadGraphDocument({
    ...imported.document,
    training: { initialWeights: resolve(path) },
  });
  if (!loaded.ok) throw loaded.error;
  await writeFile(values.out, serializeGraphDocument(loaded.document));
  const heads = loaded.document.nodes.filter((n) => n.kind.endsWith('Head')).length;
  ctx.out(
    `Imported ${path} as ${values.out}: ${loaded.document.nodes.length} nodes, ${heads} task heads; training starts from its weights.\n${imported.report}\n`,
  );
  return 0;
}
