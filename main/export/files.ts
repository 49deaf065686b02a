import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { StudioError } from '../../core/problems.ts';

/** An export as files: a path inside the export folder (with '/' between folders) → its bytes. */
export type ExportFiles = Map<string, Uint8Array>;

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

/** Writes an export into a new or empty folder; one that holds anything is left untouched. */
export async function writeExportFolder(folder: string, files: ExportFiles): Promise<string> {
  const out = resolve(folder);
  const existing = await readdir(out).catch((e: unknown) => {
    if (isMissing(e)) return [] as string[];
    throw e;
  });
  if (existing.length > 0) {
    throw new StudioError(
      'E_EXPORT_EXISTS',
      `The folder ${out} is not empty; export to a new or empty folder so nothing is overwritten.`,
    );
  }
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
