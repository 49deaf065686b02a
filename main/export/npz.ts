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

/** A .npy file's array as read: its shape, its numbers and numpy's name of their type. */
export interface ReadNpy {
  readonly shape: readonly number[];
  readonly dtype: NpyReadType;
  readonly values: Float64Array;
}

const NPY_READ_TYPES = {
  f4: { size: 4, get: (v: DataView, at: number, le: boolean) => v.getFloat32(at, le) },
  f8: { size: 8, get: (v: DataView, at: number, le: boolean) => v.getFloat64(at, le) },
  u2: { size: 2, get: (v: DataView, at: number, le: boolean) => v.getUint16(at, le) },
  u1: { size: 1, get: (v: DataView, at: number) => v.getUint8(at) },
} as const;
export type NpyReadType = keyof typeof NPY_READ_TYPES;

/**
 * Reads a .npy file (format 1, 2 or 3) of float32, float64, uint16 or uint8 numbers in C order;
 * anything else throws a sentence's end ("holds int64 numbers (<i8), …").
 */
export function readNpy(bytes: Uint8Array): ReadNpy {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') throw new Error('is not a .npy file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const long = major === 2 || major === 3;
  const headerLength = long ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = (long ? 12 : 10) + headerLength;
  const header = new TextDecoder().decode(bytes.subarray(long ? 12 : 10, start));
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shapeText) throw new Error('has a .npy header without a type or a shape');
  if (/'fortran_order':\s*True/.test(header)) {
    throw new Error('is stored in Fortran order; save it with numpy.ascontiguousarray first');
  }
  const type = NPY_READ_TYPES[descr[2] as NpyReadType] as
    (typeof NPY_READ_TYPES)[NpyReadType] | undefined;
  if (!type) {
    throw new Error(
      `holds ${descr[1]}${descr[2]} numbers, not float32, float64, uint16 or uint8 ones`,
    );
  }
  const shape = shapeText[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length < start + count * type.size) throw new Error('is cut short');
  const littleEndian = descr[1] !== '>';
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = type.get(view, start + i * type.size, littleEndian);
  return { shape, dtype: descr[2] as NpyReadType, values };
}
