import type { StudioHost } from '../../../core/contract/host.ts';
import { importLayersModel, type LayersImport } from '../../../core/graph/import-layers.ts';
import { importKerasModel, isHostReadModelFile } from '../../../core/graph/keras-config.ts';
import { loadGraphDocument, serializeGraphDocument } from '../../../core/graph/load.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { withoutByteOrderMark } from '../../../core/text-bytes.ts';

/** Graph files in the browser: read a chosen or dropped file, save as a download. */

export const GRAPH_FILE_SUFFIX = '.graph.json';

/** `model.graph.json`, `model.json`, `model.keras`, `model.onnx` → `model`. */
export const fileBaseName = (fileName: string): string =>
  fileName.replace(/\.graph\.json$/i, '').replace(/\.(json|keras|h5|hdf5|onnx)$/i, '') ||
  'untitled';

/** What the Open picker offers: graph files and the models the studio imports. */
export const OPENABLE_FILES = '.json,.keras,.h5,.hdf5,.onnx,application/json';

export const graphFileName = (name: string): string => `${name}${GRAPH_FILE_SUFFIX}`;

export type OpenResult =
  | {
      readonly ok: true;
      readonly name: string;
      readonly document: GraphDocument;
      /** Made from a model file (model.json, .keras, .h5, .onnx): Save must ask where, never overwrite it. */
      readonly imported?: true;
      /** What an import brought in: the input's size and the inferred heads. */
      readonly report?: string;
    }
  | { readonly ok: false; readonly message: string };

/**
 * Reads and loads a graph file; the failure is the engine's sentence. A Keras or ONNX file is
 * read by the host (HDF5 needs WebAssembly, which the page may not run) and imported here.
 */
export async function readGraphFile(
  file: File,
  host: Pick<StudioHost, 'readModelFile'>,
): Promise<OpenResult> {
  if (isHostReadModelFile(file.name)) {
    let model: unknown;
    try {
      ({ model } = await host.readModelFile(file.name, await file.arrayBuffer()));
    } catch (e) {
      return { ok: false, message: `${file.name} cannot be opened: ${(e as Error).message}` };
    }
    return importedResult(file.name, importKerasModel(model, fileBaseName(file.name)));
  }
  let text: string;
  try {
    text = await file.text();
  } catch (e) {
    return { ok: false, message: `Could not read ${file.name}: ${(e as Error).message}.` };
  }
  return loadGraphText(file.name, text);
}

/** Loads the text of a graph file named `fileName` (picked, dropped or read by the desktop app). */
export function loadGraphText(fileName: string, text: string): OpenResult {
  const model = layersModelOf(text);
  if (model !== undefined) {
    return importedResult(fileName, importLayersModel(model, fileBaseName(fileName)));
  }
  const loaded = loadGraphDocument(text);
  return loaded.ok
    ? { ok: true, name: fileBaseName(fileName), document: loaded.document }
    : { ok: false, message: loaded.error.message };
}

/** A model's import as the document to open, or the sentences why it cannot be. */
function importedResult(fileName: string, imported: LayersImport): OpenResult {
  if (!imported.ok) {
    return {
      ok: false,
      message: `${fileName} cannot be opened as a graph: ${imported.sentences.join(' ')}`,
    };
  }
  const loaded = loadGraphDocument(imported.document);
  return loaded.ok
    ? {
        ok: true,
        name: fileBaseName(fileName),
        document: loaded.document,
        imported: true,
        report: imported.report,
      }
    : { ok: false, message: loaded.error.message };
}

/** The parsed file when it is a TensorFlow.js Layers model (it has a modelTopology). */
function layersModelOf(text: string): unknown {
  if (!text.includes('"modelTopology"')) return undefined;
  try {
    const json = JSON.parse(withoutByteOrderMark(text)) as { modelTopology?: unknown };
    return json && typeof json === 'object' && json.modelTopology ? json : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the document as a download named `<name>.graph.json`. */
export function downloadGraph(name: string, doc: GraphDocument): void {
  const blob = new Blob([serializeGraphDocument(doc)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = graphFileName(name);
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The click starts the download; the URL may go once the browser has read it.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A name a file can have: no path separators or characters file systems refuse. */
export const safeFileName = (name: string): string =>
  fileBaseName(name.trim())
    .replace(/[^\p{L}\p{N} ._()-]+/gu, '-')
    .slice(0, 120) || 'untitled';
