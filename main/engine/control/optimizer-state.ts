import { join } from 'node:path';
import { StudioError } from '../../../core/problems.ts';
import { readRegularFile, readRegularText } from '../../fs/regular-file.ts';
import { writeFileAtomic } from '../atomic-write.ts';
import { tf } from '../tf.ts';

export const OPTIMIZER_FILE = 'optimizer.json';
export const OPTIMIZER_WEIGHTS_FILE = 'optimizer.bin';

interface OptimizerManifest {
  readonly weights: readonly { name: string; shape: number[]; dtype: 'float32' | 'int32' }[];
}

/**
 * Writes an optimizer's state (its step count and moments, in the optimizer's own order) as a
 * JSON manifest and one binary file of little-endian 32-bit values.
 */
export async function saveOptimizerState(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const named = await optimizer.getWeights();
  try {
    const parts = await Promise.all(named.map((w) => w.tensor.data()));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), offset);
      offset += part.byteLength;
    }
    const manifest: OptimizerManifest = {
      weights: named.map((w) => ({
        name: w.name,
        shape: w.tensor.shape,
        dtype: w.tensor.dtype === 'int32' ? 'int32' : 'float32',
      })),
    };
    await writeFileAtomic(join(dir, OPTIMIZER_WEIGHTS_FILE), bytes);
    await writeFileAtomic(join(dir, OPTIMIZER_FILE), JSON.stringify(manifest));
  } finally {
    // The step count is a fresh scalar; the moments are the optimizer's own and stay.
    named[0]?.tensor.dispose();
  }
}

/**
 * Restores what saveOptimizerState wrote into a new optimizer of the same kind. optimizer.bin
 * must hold exactly the values optimizer.json declares: a cut or padded file is not this
 * optimizer's state.
 */
export async function loadOptimizerState(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const manifestPath = join(dir, OPTIMIZER_FILE);
  let manifest: OptimizerManifest;
  try {
    manifest = JSON.parse(
      await readRegularText(manifestPath, { what: 'optimizer state file' }),
    ) as OptimizerManifest;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new StudioError('E_RUN_INVALID', `${manifestPath} cannot be read as JSON: ${e.message}.`);
  }
  const declared = manifest.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const file = await readRegularFile(join(dir, OPTIMIZER_WEIGHTS_FILE), {
    what: 'optimizer state file',
    size: { bytes: declared, declaredBy: OPTIMIZER_FILE },
  });
  const bytes = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
  let offset = 0;
  const named = manifest.weights.map((w) => {
    const count = w.shape.reduce((a, b) => a * b, 1);
    const values =
      w.dtype === 'int32'
        ? new Int32Array(bytes.slice(offset, offset + count * 4))
        : new Float32Array(bytes.slice(offset, offset + count * 4));
    offset += count * 4;
    return { name: w.name, tensor: tf.tensor(values, w.shape, w.dtype) };
  });
  try {
    if (named.length > 0) await optimizer.setWeights(named);
  } finally {
    // The optimizer made variables of its own from these.
    tf.dispose(named.map((w) => w.tensor));
  }
}
