/**
 * Decodes one image file to the Input node's size: oriented as the camera meant it, alpha
 * flattened onto black, grey or sRGB, resized by stretching or by letterboxing. For a letterbox,
 * sharp fits the image inside the target and the padding is added here (rather than by sharp's
 * `fit: 'contain'`), so the scale and offsets are known exactly and boxes can follow the pixels;
 * it also spares a second parse of the file for its oriented size.
 */
import sharp from 'sharp';
import type { ImageShape } from '../types.ts';
import type { ResizeMode, UnitBox } from './types.ts';

/** Maps a unit coordinate of the original image to the resized one: `u * scale + offset`. */
export interface BoxTransform {
  readonly scaleX: number;
  readonly scaleY: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

export const IDENTITY_TRANSFORM: BoxTransform = { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 };

export function applyBoxTransform(box: UnitBox, t: BoxTransform): UnitBox {
  return [
    box[0] * t.scaleX + t.offsetX,
    box[1] * t.scaleY + t.offsetY,
    box[2] * t.scaleX + t.offsetX,
    box[3] * t.scaleY + t.offsetY,
  ];
}

/** Where a letterboxed image lands inside the target: its resized size and padding, in pixels. */
export interface LetterboxLayout {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
}

/** An image of `width`×`height` centred in the target; an odd pixel of padding goes right and bottom. */
export const letterboxLayout = (
  width: number,
  height: number,
  targetWidth: number,
  targetHeight: number,
): LetterboxLayout => ({
  width,
  height,
  left: Math.floor((targetWidth - width) / 2),
  top: Math.floor((targetHeight - height) / 2),
});

/** The box transform of a letterbox layout: the image spans exactly `width` of `targetWidth`. */
export function letterboxTransform(
  layout: LetterboxLayout,
  targetWidth: number,
  targetHeight: number,
): BoxTransform {
  return {
    scaleX: layout.width / targetWidth,
    scaleY: layout.height / targetHeight,
    offsetX: layout.left / targetWidth,
    offsetY: layout.top / targetHeight,
  };
}

/** Copies an HWC image into a black canvas of the target size at the layout's offsets. */
export function padInto(
  pixels: Uint8Array,
  layout: LetterboxLayout,
  [height, width, channels]: ImageShape,
): Uint8Array {
  const out = new Uint8Array(height * width * channels);
  const row = layout.width * channels;
  for (let y = 0; y < layout.height; y++) {
    const from = y * row;
    out.set(pixels.subarray(from, from + row), ((layout.top + y) * width + layout.left) * channels);
  }
  return out;
}

export interface DecodedImage {
  /** h*w*c bytes, HWC. */
  readonly pixels: Uint8Array;
  /** Maps the original image's unit boxes onto `pixels`. */
  readonly transform: BoxTransform;
}

export type DecodeImage = (
  file: string,
  imageShape: ImageShape,
  resize: ResizeMode,
) => Promise<DecodedImage>;

/**
 * Decodes `file` to `imageShape`. Throws when the file is missing, not an image, or truncated;
 * the caller decides what an unreadable image means. The same file and options always give the
 * same bytes.
 */
/**
 * libvips caches operations by file name, so a file replaced on disk could come back as its old
 * self (https://github.com/lovell/sharp/issues/1984); decoded images are cached by us instead.
 */
sharp.cache(false);

export const decodeImage: DecodeImage = async (file, imageShape, resize) => {
  const [height, width, channels] = imageShape;
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`Images decode to 1 or 3 channels; the Input asks for ${channels}.`);
  }
  // sharp reads the file on its own threads: one completion on this thread per image, so reading
  // overlaps a training step that holds this thread (Node's readFile would need several turns).
  let pipeline = sharp(file, { failOn: 'truncated', autoOrient: true }).flatten({
    background: '#000000',
  });
  pipeline = channels === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline
    .resize(width, height, { fit: resize === 'stretch' ? 'fill' : 'inside' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const fits =
    resize === 'stretch'
      ? info.width === width && info.height === height
      : info.width <= width && info.height <= height;
  if (!fits || info.channels !== channels) {
    throw new Error(
      `Decoding gave ${info.width}×${info.height}×${info.channels} pixels for ${width}×${height}×${channels}.`,
    );
  }
  if (resize === 'stretch') {
    // A view of sharp's buffer (which may sit in Node's shared pool) is copied into its own memory.
    return { pixels: new Uint8Array(data), transform: IDENTITY_TRANSFORM };
  }
  const layout = letterboxLayout(info.width, info.height, width, height);
  return {
    pixels: padInto(data, layout, imageShape),
    transform: letterboxTransform(layout, width, height),
  };
};
