/**
 * Depth and normal maps from files. Depth is a 16-bit grey PNG of whole units times a scale
 * (metres per unit: NYUv2's and ScanNet's millimetres are 0.001, TUM's 0.0002), or a 2-D .npy
 * array: float32 or float64 in metres as they are, uint16 or uint8 in units times the scale.
 * A depth of 0 is a pixel without one (core/tasks/depth.ts leaves it out of loss and metrics).
 * Normals are a .npy array of height × width × 3, there being no common image form for them.
 */
import { readFile } from 'node:fs/promises';
import { readNpy, type ReadNpy } from '../../export/npz.ts';
import { decodeSingleChannelPng } from '../png.ts';
import { errorReason } from './files.ts';

/** Metres per unit of a 16-bit depth PNG when neither a column nor the import says. */
export const DEFAULT_DEPTH_SCALE = 0.001;

/** A depth file and the scale of its units. */
export interface DepthFile {
  readonly file: string;
  /** Metres per unit of integer files; absent: the import's option, else DEFAULT_DEPTH_SCALE. */
  readonly scale?: number;
}

/** A map of `channels` values per pixel, row by row. */
export interface MapImage {
  readonly width: number;
  readonly height: number;
  readonly values: Float32Array;
}

const isNpy = (file: string) => file.toLowerCase().endsWith('.npy');

async function npyOf(file: string): Promise<ReadNpy> {
  const bytes = await readFile(file);
  try {
    return readNpy(bytes);
  } catch (error) {
    throw new Error(`is not a readable .npy file: it ${errorReason(error)}`, { cause: error });
  }
}

/** The [height, width] of a .npy map with `channels` values per pixel, or why it is not one. */
function npySize(npy: ReadNpy, channels: number, what: string): [number, number] {
  const [height = 0, width = 0, c = 1] = npy.shape;
  const rank = npy.shape.length;
  const fits =
    channels === 1 ? rank === 2 || (rank === 3 && c === 1) : rank === 3 && c === channels;
  if (!fits) {
    const shown = rank ? npy.shape.join('×') : 'a single number';
    throw new Error(`is an array of ${shown}, not ${what}`);
  }
  return [height, width];
}

/** A depth map in metres. */
export async function readDepth(depth: DepthFile, scale = DEFAULT_DEPTH_SCALE): Promise<MapImage> {
  const units = depth.scale ?? scale;
  if (isNpy(depth.file)) {
    const npy = await npyOf(depth.file);
    const [height, width] = npySize(npy, 1, 'a height × width depth map');
    const factor = npy.dtype === 'f4' || npy.dtype === 'f8' ? 1 : units;
    return { width, height, values: Float32Array.from(npy.values, (v) => v * factor) };
  }
  const bytes = await readFile(depth.file);
  let png;
  try {
    png = decodeSingleChannelPng(bytes);
  } catch (error) {
    throw new Error(`is not a readable PNG: ${errorReason(error)}`, { cause: error });
  }
  if (png?.bitDepth !== 16) {
    throw new Error('is not a 16-bit grey PNG or a .npy array, the two forms of a depth map');
  }
  return {
    width: png.width,
    height: png.height,
    values: Float32Array.from(png.values, (v) => v * units),
  };
}

/** A normal map: three values per pixel. */
export async function readNormals(file: string): Promise<MapImage> {
  if (!isNpy(file)) throw new Error('is not a .npy array, the form of a normal map');
  const npy = await npyOf(file);
  const [height, width] = npySize(npy, 3, 'a height × width × 3 normal map');
  return { width, height, values: Float32Array.from(npy.values) };
}

const sizeProblem = (map: MapImage, width: number, height: number) =>
  map.width !== width || map.height !== height
    ? `is ${map.width}×${map.height} pixels but its image is ${width}×${height}`
    : undefined;

/** The pixel (x, y) of value `i` of a map with `channels` values per pixel. */
const pixelAt = (map: MapImage, i: number, channels: number) => {
  const p = Math.floor(i / channels);
  return `(${p % map.width}, ${Math.floor(p / map.width)})`;
};

/**
 * Why a depth map does not fit its image, as the end of a sentence, or undefined: it must have
 * the image's size and a finite depth of 0 or more everywhere (0 being "no depth here").
 */
export function depthProblem(map: MapImage, width: number, height: number): string | undefined {
  const size = sizeProblem(map, width, height);
  if (size) return size;
  const bad = map.values.findIndex((v) => !(v >= 0) || v === Infinity);
  if (bad < 0) return undefined;
  const v = map.values[bad]!;
  return Number.isNaN(v) || v === Infinity
    ? `has a depth of ${v} at pixel ${pixelAt(map, bad, 1)}; mark a pixel without depth with 0`
    : `has a negative depth ${v} at pixel ${pixelAt(map, bad, 1)}; mark a pixel without depth with 0`;
}

/** Why a normal map does not fit its image, or undefined: its size, and finite values. */
export function normalsProblem(map: MapImage, width: number, height: number): string | undefined {
  const size = sizeProblem(map, width, height);
  if (size) return size;
  const bad = map.values.findIndex((v) => !Number.isFinite(v));
  return bad < 0
    ? undefined
    : `has ${map.values[bad]} at pixel ${pixelAt(map, bad, 3)}; mark a pixel without a normal with 0, 0, 0`;
}
