/**
 * Segmentation masks from files: a PNG whose pixel values (grey level, or palette index as in
 * Pascal VOC) are class indices, 255 meaning "ignore this pixel". A palette PNG is read by
 * ../png.ts rather than by sharp, which would hand back the palette's colours and lose the indices.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import { IGNORE_CLASS } from '../../../core/tasks/map-metrics.ts';
import { drawMask } from './coco-masks.ts';
import type { BoxTransform } from './decode.ts';
import { decodeSingleChannelPng } from '../png.ts';
import { errorReason } from './files.ts';
import type { MaskSource } from './types.ts';

export interface MaskImage {
  readonly width: number;
  readonly height: number;
  /** One class index per pixel, row by row. */
  readonly values: Uint8Array;
}

/**
 * A mask file's class indices. Any other single-channel image sharp reads is taken as grey
 * levels; a colour image is refused, since its colours are not class indices.
 */
export async function readMask(file: string): Promise<MaskImage> {
  const bytes = await readFile(file);
  try {
    const png = decodeSingleChannelPng(bytes);
    if (png?.bitDepth === 8) return { width: png.width, height: png.height, values: png.values };
    if (png)
      throw new Error('is a 16-bit image, not a PNG of class indices (8-bit grey or palette)');
  } catch (error) {
    throw new Error(`is not a readable PNG: ${errorReason(error)}`, { cause: error });
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { failOn: 'truncated' })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new Error(`is not a readable image: ${errorReason(error)}`, { cause: error });
  }
  const { data, info } = decoded;
  if (info.channels > 2) {
    throw new Error(
      `is a colour image (${info.channels} channels), not a PNG of class indices (grey or palette)`,
    );
  }
  const values = new Uint8Array(info.width * info.height);
  for (let i = 0; i < values.length; i++) values[i] = data[i * info.channels]!;
  return { width: info.width, height: info.height, values };
}

/**
 * An image's mask, read from its file or drawn from its shapes at the image's size (a drawn
 * mask fits by construction, save an RLE of another size, which drawing refuses).
 */
export async function loadMask(
  source: MaskSource,
  image: { readonly width: number; readonly height: number },
): Promise<MaskImage> {
  return typeof source === 'string'
    ? readMask(source)
    : drawMask(source, image.height, image.width);
}

/** The largest class index in a mask, 255 aside; -1 when every pixel is ignored. */
export function largestClass(mask: MaskImage): number {
  let largest = -1;
  for (const v of mask.values) if (v !== IGNORE_CLASS && v > largest) largest = v;
  return largest;
}

/**
 * Why a mask does not fit its image and classes, as the end of a sentence, or undefined: it must
 * have the image's size, and every pixel a known class or 255.
 */
export function maskProblem(
  mask: MaskImage,
  width: number,
  height: number,
  classes: number,
): string | undefined {
  if (mask.width !== width || mask.height !== height) {
    return `is ${mask.width}×${mask.height} pixels but its image is ${width}×${height}`;
  }
  const largest = largestClass(mask);
  if (largest >= classes) {
    return `has class index ${largest}, beyond the ${classes} classes (0 to ${classes - 1}, 255 to ignore)`;
  }
  return undefined;
}

/**
 * A map over the image (a mask, depth, normals) at the Input's size, moved as the image was: each
 * output pixel takes the values of the source pixel under its centre, never a blend (a blend of
 * classes is no class, and a blend across an object's edge is a depth neither surface has);
 * letterbox padding is `outside`.
 */
export function fitMap(
  map: { readonly width: number; readonly height: number; readonly values: ArrayLike<number> },
  channels: number,
  height: number,
  width: number,
  transform: BoxTransform,
  outside: number,
): Float32Array {
  const sources = (n: number, from: number, scale: number, offset: number) =>
    Int32Array.from({ length: n }, (_, o) => {
      const unit = ((o + 0.5) / n - offset) / scale;
      return unit >= 0 && unit < 1 ? Math.min(from - 1, Math.floor(unit * from)) : -1;
    });
  const xs = sources(width, map.width, transform.scaleX, transform.offsetX);
  const ys = sources(height, map.height, transform.scaleY, transform.offsetY);
  const out = new Float32Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    const sy = ys[y]!;
    for (let x = 0; x < width; x++) {
      const sx = xs[x]!;
      const to = (y * width + x) * channels;
      if (sy < 0 || sx < 0) {
        out.fill(outside, to, to + channels);
        continue;
      }
      const from = (sy * map.width + sx) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = map.values[from + c]!;
    }
  }
  return out;
}

/** The mask at the Input's size: nearest class, letterbox padding ignored (255). */
export const fitMask = (
  mask: MaskImage,
  height: number,
  width: number,
  transform: BoxTransform,
): Float32Array => fitMap(mask, 1, height, width, transform, IGNORE_CLASS);
