/**
 * Segmentation masks from files: a PNG whose pixel values (grey level, or palette index as in
 * Pascal VOC) are class indices, 255 meaning "ignore this pixel". A palette PNG is read here
 * rather than by sharp, which would hand back the palette's colours and lose the indices.
 */
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import sharp, { type OutputInfo } from 'sharp';
import { IGNORE_CLASS } from '../../../core/tasks/map-metrics.ts';
import { drawMask } from './coco-masks.ts';
import type { BoxTransform } from './decode.ts';
import { errorReason } from './files.ts';
import type { MaskSource } from './types.ts';

export interface MaskImage {
  readonly width: number;
  readonly height: number;
  /** One class index per pixel, row by row. */
  readonly values: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Undoes PNG's per-row filters for one byte per pixel (8-bit grey or palette). */
function unfilter(data: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const stride = width + 1;
  if (data.length < stride * height) throw new Error('its image data is cut short');
  for (let y = 0; y < height; y++) {
    const filter = data[y * stride]!;
    const row = y * width;
    const up = row - width;
    for (let x = 0; x < width; x++) {
      const raw = data[y * stride + 1 + x]!;
      const a = x > 0 ? out[row + x - 1]! : 0;
      const b = y > 0 ? out[up + x]! : 0;
      const c = x > 0 && y > 0 ? out[up + x - 1]! : 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`row ${y + 1} has an unknown filter ${filter}`);
      out[row + x] = (raw + predicted) & 0xff;
    }
  }
  return out;
}

/** The indices of an 8-bit palette or grey PNG, not interlaced; undefined for any other PNG. */
function readIndexPng(bytes: Uint8Array): MaskImage | undefined {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let header: { width: number; height: number; depth: number; colour: number; interlace: number };
  header = { width: 0, height: 0, depth: 0, colour: -1, interlace: 0 };
  const chunks: Uint8Array[] = [];
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      header = {
        width: view.getUint32(at + 8),
        height: view.getUint32(at + 12),
        depth: body[8]!,
        colour: body[9]!,
        interlace: body[12]!,
      };
    } else if (type === 'IDAT') chunks.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const { width, height, depth, colour, interlace } = header;
  if (depth !== 8 || (colour !== 0 && colour !== 3) || interlace !== 0) return undefined;
  const data = inflateSync(Buffer.concat(chunks));
  return { width, height, values: unfilter(data, width, height) };
}

/**
 * A mask file's class indices. Any other single-channel image sharp reads is taken as grey
 * levels; a colour image is refused, since its colours are not class indices.
 */
export async function readMask(file: string): Promise<MaskImage> {
  const bytes = await readFile(file);
  try {
    const indexed = readIndexPng(bytes);
    if (indexed) return indexed;
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
 * The mask at the Input's size, moved as the image was: each output pixel takes the class of the
 * source pixel under its centre (nearest, never a blend of classes); letterbox padding is 255.
 */
export function fitMask(
  mask: MaskImage,
  height: number,
  width: number,
  transform: BoxTransform,
): Float32Array {
  const sources = (n: number, from: number, scale: number, offset: number) =>
    Int32Array.from({ length: n }, (_, o) => {
      const unit = ((o + 0.5) / n - offset) / scale;
      return unit >= 0 && unit < 1 ? Math.min(from - 1, Math.floor(unit * from)) : -1;
    });
  const xs = sources(width, mask.width, transform.scaleX, transform.offsetX);
  const ys = sources(height, mask.height, transform.scaleY, transform.offsetY);
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    const sy = ys[y]!;
    for (let x = 0; x < width; x++) {
      const sx = xs[x]!;
      out[y * width + x] = sy < 0 || sx < 0 ? IGNORE_CLASS : mask.values[sy * mask.width + sx]!;
    }
  }
  return out;
}
