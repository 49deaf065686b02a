import type { GallerySample } from '../../../core/contract/host.ts';

export type GalleryHead = GallerySample['heads'][number];
export type Box = readonly [xmin: number, ymin: number, xmax: number, ymax: number];

export const TRUE_COLOR = '#22c55e';
export const PREDICTED_COLOR = '#f97316';

/** A small picture as the engine sends it: HWC bytes, 1 or 3 channels, base64. */
export type PixelImage = Pick<GallerySample, 'width' | 'height' | 'channels' | 'pixels'>;

/** The sample's HWC bytes (1 or 3 channels, base64) as RGBA for an ImageData. */
export function decodeToRgba(sample: PixelImage): Uint8ClampedArray<ArrayBuffer> {
  const raw = atob(sample.pixels);
  const n = sample.width * sample.height;
  const rgba = new Uint8ClampedArray(n * 4);
  const c = sample.channels;
  for (let i = 0; i < n; i++) {
    const r = raw.charCodeAt(i * c);
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = c >= 3 ? raw.charCodeAt(i * c + 1) : r;
    rgba[i * 4 + 2] = c >= 3 ? raw.charCodeAt(i * c + 2) : r;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  values.forEach((v, i) => {
    if (v > (values[best] ?? -Infinity)) best = i;
  });
  return best;
}

/** A box with its corners in order and inside the image, whatever the head predicted. */
export function normaliseBox(values: readonly number[]): Box {
  const clamp = (v: number | undefined) => Math.min(1, Math.max(0, v ?? 0));
  const [a, b, c, d] = [0, 1, 2, 3].map((i) => clamp(values[i]));
  return [Math.min(a!, c!), Math.min(b!, d!), Math.max(a!, c!), Math.max(b!, d!)];
}

export function boxIoU(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Draws the image onto the canvas scaled up without blurring; null without a 2D context. */
export function drawPixels(
  canvas: HTMLCanvasElement,
  image: PixelImage,
  scale: number,
): CanvasRenderingContext2D | null {
  const { width, height } = image;
  canvas.width = width * scale;
  canvas.height = height * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  const source = document.createElement('canvas');
  source.width = width;
  source.height = height;
  source.getContext('2d')?.putImageData(new ImageData(decodeToRgba(image), width, height), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return ctx;
}

/** A box given as fractions of the image, over the whole canvas. */
export function strokeBox(
  ctx: CanvasRenderingContext2D,
  values: readonly number[],
  color: string,
  lineWidth = 2,
) {
  const { width, height } = ctx.canvas;
  const [x0, y0, x1, y1] = normaliseBox(values);
  ctx.lineWidth = lineWidth;
  ctx.strokeStyle = color;
  ctx.strokeRect(x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height);
}

/** Draws the image scaled up without blurring, then every box head's true and predicted box. */
export function drawSample(canvas: HTMLCanvasElement, sample: GallerySample, scale: number) {
  const ctx = drawPixels(canvas, sample, scale);
  if (!ctx) return;
  for (const head of sample.heads) {
    if (head.targetKind !== 'box') continue;
    strokeBox(ctx, head.truth, TRUE_COLOR);
    strokeBox(ctx, head.prediction, PREDICTED_COLOR);
  }
}

const percent = (p: number | undefined) => `${((p ?? 0) * 100).toFixed(p !== undefined && p > 0.995 ? 1 : 0)}%`;
export const short = (values: readonly number[]) => values.map((v) => Number(v.toPrecision(3))).join(', ');

/** What a head says about one sample, in words, and whether it got it right. */
export function headCaption(head: GalleryHead): { text: string; ok?: boolean } {
  switch (head.targetKind) {
    case 'class': {
      const truth = argmax(head.truth);
      const predicted = argmax(head.prediction);
      const name = (i: number) => head.classes?.[i] ?? String(i);
      return {
        text: `true ${name(truth)} · predicted ${name(predicted)} (${percent(head.prediction[predicted])})`,
        ok: truth === predicted,
      };
    }
    case 'box': {
      const iou = boxIoU(normaliseBox(head.truth), normaliseBox(head.prediction));
      return { text: `box IoU ${iou.toFixed(2)}`, ok: iou >= 0.5 };
    }
    case 'numeric':
      return { text: `true ${short(head.truth)} · predicted ${short(head.prediction)}` };
  }
}

/**
 * The colour three values stand for, when they are an RGB triple on 0–1 (a colour head's
 * truth or prediction): shown as a swatch beside the numbers. Undefined for anything else.
 */
export function rgbSwatch(values: readonly number[]): string | undefined {
  if (values.length !== 3 || values.some((v) => !Number.isFinite(v) || v < -0.25 || v > 1.25)) {
    return undefined;
  }
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  return `rgb(${values.map(byte).join(', ')})`;
}

/** The sample in words for a screen reader: each head's caption, and whether it was right. */
export function sampleDescription(index: number, heads: readonly GalleryHead[]): string {
  const parts = heads.map((head) => {
    const caption = headCaption(head);
    const verdict = caption.ok === undefined ? '' : caption.ok ? ', right' : ', wrong';
    return `${heads.length > 1 ? `${head.task}: ` : ''}${caption.text}${verdict}`;
  });
  return `Validation sample ${index + 1}. ${parts.join('; ')}.`;
}
