import type { GallerySample } from '../../../core/contract/host.ts';
import { normaliseBox } from '../../../core/tasks/box.ts';
import { taskSpec } from '../../../core/tasks/registry.ts';
import type { GalleryView } from '../../../core/tasks/task.ts';

export type GalleryHead = GallerySample['heads'][number];

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

/** What the gallery shows of a head on a sample: its task kind's view (core/tasks). */
export const headView = (head: GalleryHead): GalleryView => taskSpec(head.targetKind).gallery(head);

/**
 * Draws the image scaled up without blurring, then every head's true and predicted box, and for
 * a detection head every object: the truth (dashed where the score ignores it) and each
 * prediction scoring at least `threshold` (the head's own when absent), with class and score.
 */
export function drawSample(
  canvas: HTMLCanvasElement,
  sample: GallerySample,
  scale: number,
  threshold?: number,
) {
  const ctx = drawPixels(canvas, sample, scale);
  if (!ctx) return;
  for (const head of sample.heads) {
    const view = headView(head);
    if (view.boxes) {
      strokeBox(ctx, view.boxes.truth, TRUE_COLOR);
      strokeBox(ctx, view.boxes.prediction, PREDICTED_COLOR);
    }
    if (view.objects) {
      const least = threshold ?? view.objects.threshold;
      for (const o of view.objects.truth) {
        ctx.setLineDash(o.ignore ? [3, 3] : []);
        labelBox(ctx, o.box, TRUE_COLOR, o.label, 'below');
      }
      ctx.setLineDash([]);
      for (const o of view.objects.prediction) {
        if ((o.score ?? 0) < least) continue;
        labelBox(ctx, o.box, PREDICTED_COLOR, `${o.label} ${Math.round((o.score ?? 0) * 100)}%`, 'above');
      }
    }
  }
}

/** A box with a short label on its top edge (predictions) or its bottom edge (truth). */
function labelBox(
  ctx: CanvasRenderingContext2D,
  box: readonly number[],
  color: string,
  label: string,
  where: 'above' | 'below',
) {
  strokeBox(ctx, box, color, 1.5);
  const { width, height } = ctx.canvas;
  const [x0, y0, , y1] = normaliseBox(box);
  ctx.font = '10px sans-serif';
  const w = ctx.measureText(label).width + 4;
  const x = Math.min(x0 * width, width - w);
  const y = where === 'above' ? Math.max(0, y0 * height - 11) : Math.min(height - 11, y1 * height);
  ctx.fillStyle = color;
  ctx.fillRect(x, y, w, 11);
  ctx.fillStyle = '#000';
  ctx.fillText(label, x + 2, y + 9);
}

/** The lowest score threshold of the samples' detection heads, for the slider to start at. */
export function detectionThreshold(samples: readonly GallerySample[]): number | undefined {
  for (const sample of samples) {
    for (const head of sample.heads) {
      const objects = headView(head).objects;
      if (objects) return objects.threshold;
    }
  }
  return undefined;
}

/** The sample in words for a screen reader: each head's caption, and whether it was right. */
export function sampleDescription(index: number, heads: readonly GalleryHead[]): string {
  const parts = heads.map((head) => {
    const view = headView(head);
    const verdict = view.ok === undefined ? '' : view.ok ? ', right' : ', wrong';
    return `${heads.length > 1 ? `${head.task}: ` : ''}${view.text}${verdict}`;
  });
  return `Validation sample ${index + 1}. ${parts.join('; ')}.`;
}
