import * as nodeFs from 'node:fs/promises';

/** The file operations an atomic write needs; tests pass one whose rename fails. */
export type AtomicWriteFs = Pick<typeof nodeFs, 'writeFile' | 'rename' | 'unlink'>;

let sequence = 0;

/**
 * Writes beside the target and renames, so a crash never leaves a half-written file. Kept apart
 * from model-io.ts so the desktop shell's main process can save files without loading
 * TensorFlow.js.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  fs: AtomicWriteFs = nodeFs,
): Promise<void> {
  // pid and a counter: two writes of one path at once must not share a temp file.
  const temp = `${path}.${process.pid}-${sequence++}.tmp`;
  try {
    await fs.writeFile(temp, data);
    await fs.rename(temp, path);
  } catch (e) {
    await fs.unlink(temp).catch(() => undefined);
    throw e;
  }
}
