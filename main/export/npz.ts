import { zipSync, type Zippable } from 'fflate';

/** An array for numpy: float32 values, or int64 (a BatchNorm's step count) as plain numbers. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly values: Float32Array | readonly number[];
}

/** One .npy file (format 1.0): magic, a header padded to 64 bytes, then little-endian data. */
export function npy(array: NpyArray): Uint8Array {
  const isFloat = array.values instanceof Float32Array;
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${isFloat ? '<f4' : '<i8'}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const data = isFloat
    ? new Uint8Array((array.values as Float32Array).slice().buffer)
    : new Uint8Array(BigInt64Array.from(array.values as readonly number[], BigInt).buffer);
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

/** A .npz archive (numpy.savez's layout: a zip of name.npy files, stored uncompressed). */
export function npz(arrays: ReadonlyMap<string, NpyArray>): Uint8Array {
  const files: Zippable = {};
  for (const [name, array] of arrays) files[`${name}.npy`] = [npy(array), { level: 0 }];
  return zipSync(files);
}
