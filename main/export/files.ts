import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { checkNewFolder } from '../fs/out-folder.ts';

/** An export as files: a path inside the export folder (with '/' between folders) → its bytes. */
export type ExportFiles = Map<string, Uint8Array>;

/**
 * Writes an export into a new or empty folder, checked as a run folder is (not a file, a device
 * or a system folder; one that holds anything is left untouched).
 */
export async function writeExportFolder(folder: string, files: ExportFiles): Promise<string> {
  const out = await checkNewFolder(folder, 'the export');
  for (const [name, bytes] of files) {
    const path = join(out, ...name.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
  await mkdir(out, { recursive: true });
  return out;
}

/** Text files compress; weights barely do, and deflating megabytes would hold up the server. */
const STORED = /\.(bin|npz|h5|onnx)$/;

/** An export as one zip, for a browser download. */
export function zipExport(files: ExportFiles): Uint8Array {
  const zippable: Zippable = {};
  for (const [name, bytes] of files) {
    zippable[name] = STORED.test(name) ? [bytes, { level: 0 }] : bytes;
  }
  return zipSync(zippable);
}
