import { basename } from 'node:path';
import type { ExportFormat, ExportOptions } from '../../core/contract/export.ts';
import type { ExportFiles } from './files.ts';
import { kerasFiles } from './keras.ts';
import { onnxFiles } from './onnx.ts';
import { pytorchFiles } from './pytorch.ts';
import { readExportSource, type ExportSource } from './source.ts';
import { tfjsFiles } from './tfjs.ts';

export { writeExportFolder, zipExport, type ExportFiles } from './files.ts';

type FormatWriter = (source: ExportSource) => ExportFiles | Promise<ExportFiles>;

/** One writer per format, each in its own file. */
const WRITERS: Record<ExportFormat, FormatWriter> = {
  tfjs: tfjsFiles,
  onnx: onnxFiles,
  pytorch: pytorchFiles,
  keras: kerasFiles,
};

/**
 * The one export seam: the files an export of a run's checkpoint is made of, with the run's
 * graph.json, metrics.json and run.json beside them. The command line, the browser host and the
 * desktop only choose where the files go.
 */
export async function exportRunFiles(
  dir: string,
  options: ExportOptions,
  runName = basename(dir),
): Promise<ExportFiles> {
  const source = await readExportSource(dir, options.checkpoint, runName);
  const files = await WRITERS[options.format](source);
  for (const [name, bytes] of source.runFiles) if (!files.has(name)) files.set(name, bytes);
  return files;
}
