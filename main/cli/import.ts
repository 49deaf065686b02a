import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { importLayersModel } from '../../core/graph/import-layers.ts';
import { importKerasModel, isKerasFile, isOnnxFile } from '../../core/graph/keras-config.ts';
import { loadGraphDocument, serializeGraphDocument } from '../../core/graph/load.ts';
import { StudioError } from '../../core/problems.ts';
import { writeFileAtomic } from '../engine/atomic-write.ts';
import { asFileError } from '../fs/file-errors.ts';
import { checkNewFile } from '../fs/out-folder.ts';
import { readRegularText } from '../fs/regular-file.ts';
import { readKerasFile } from '../runs/keras-file.ts';
import { readOnnxFile } from '../runs/onnx-file.ts';
import { onePositional, parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';

async function readModelText(path: string): Promise<unknown> {
  const text = await readRegularText(path, { what: 'model file' });
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new StudioError('E_IMPORT', `${path} cannot be read as JSON: ${(e as Error).message}.`);
  }
}

/**
 * `import model.json --out graph.json [--force]`: a TensorFlow.js Layers model (functional or
 * Sequential, nested models flattened), or a Keras `.keras` or `.h5` file, as a graph document, or one sentence per layer the studio
 * cannot represent (and no file). An existing --out file is replaced only with --force, and never
 * when it is the model itself.
 */
export async function importCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseCommandArgs('import', argv, {
    out: { type: 'string' },
    force: { type: 'boolean' },
  } as const);
  const path = onePositional('import', 'a model.json, .keras, .h5 or .onnx file', positionals);
  if (values.out === undefined) {
    throw new StudioError('E_BAD_FLAG', "'import' needs --out FILE, the graph file to write.");
  }
  const out = await checkNewFile(values.out, 'the graph file', {
    replace: Boolean(values.force),
    replaceFlag: '--force',
  });
  // The graph starts training from this model's weights: replacing it would lose them.
  const [model, target] = await Promise.all(
    [path, out].map((p) => realpath(p).catch(() => resolve(p))),
  );
  if (model === target) {
    throw new StudioError(
      'E_FILE_EXISTS',
      `--out ${values.out} is the model being imported; choose another file for the graph.`,
    );
  }
  const name = basename(dirname(path)) || 'imported model';
  const stem = basename(path).replace(/\.\w+$/, '');
  const imported = isKerasFile(path)
    ? importKerasModel((await readKerasFile(path)).model, stem)
    : isOnnxFile(path)
      ? importKerasModel((await readOnnxFile(path)).model, stem)
      : importLayersModel(await readModelText(path), name);
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
  await writeFileAtomic(out, serializeGraphDocument(loaded.document)).catch((e: unknown) => {
    throw asFileError(e, out, 'write');
  });
  const heads = loaded.document.nodes.filter((n) => n.kind.endsWith('Head')).length;
  ctx.out(
    `Imported ${path} as ${values.out}: ${loaded.document.nodes.length} nodes, ${heads} task heads; training starts from its weights.\n${imported.report}\n`,
  );
  return 0;
}
