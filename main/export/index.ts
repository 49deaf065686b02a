import { basename } from 'node:path';
import type { ExportFormat, ExportOptions } from '../../core/contract/export.ts';
import type { ExportFiles } from './files.ts';
import { labelFiles } from './labels.ts';
import { readExportSource, type ExportSource } from './source.ts';

export { writeExportFolder, zipExport, type ExportFiles } from './files.ts';

type FormatWriter = (source: ExportSource) => ExportFiles | Promise<ExportFiles>;

/**
 * One writer per format, each in its own file, loaded when used: the protobuf and HDF5 code
 * stays out of the hosts until someone exports.
 */
const WRITERS: Record<ExportFormat, () => Promise<FormatWriter>> = {
  tfjs: async () => (await import('./tfjs.ts')).tfjsFiles,
  onnx: async () => (await import('./onnx.ts')).onnxFiles,
  pytorch: async () => (await import('./pytorch.ts')).pytorchFiles,
  keras: async () => (await import('./keras.ts')).kerasFiles,
};

/**
 * The one export seam: the files an export of a run's checkpoint is made of, with what its
 * outputs mean (metadata.json, a labels file per named output) and the run's graph.json,
 * metrics.json and run.json beside them. The command line, the browser host and the
 * desktop only choose where the files go.
 */
export async function exportRunFiles(
  dir: string,
  options: ExportOptions,
  runName = basename(dir),
): Promise<ExportFiles> {
  const source = await readExportSource(dir, options.checkpoint, runName);
  const write = await WRITERS[options.format]();
  const files = await write(source);
  // What the outputs mean travels with every format, as the run's own files do.
  for (const [name, bytes] of [...labelFiles(source), ...source.runFiles]) {
    if (!files.has(name)) files.set(name, bytes);
  }
  return files;
}
