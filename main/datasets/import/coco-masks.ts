/**
 * COCO segmentations as a semantic mask. Each annotation's polygons or RLE are read and checked
 * with the file, and drawn whenever an image's mask is wanted. What cannot be drawn is ignored
 * (255) over the annotation's box, or over the whole image without one, and reported as a fixed
 * bad row: the image stays for its boxes, and the mask never calls part of an object background.
 */
import { IGNORE_CLASS } from '../../../core/tasks/map-metrics.ts';
import { decodeRleString, polygonRuns, SegmentationError } from './coco-rle.ts';
import { capitalise } from './files.ts';
import type { MaskImage } from './masks.ts';
import type { BadRowKind, DrawnMask, MaskPart, MaskShape } from './types.ts';

const malformed = (why: string) => new SegmentationError(why, 'malformed');

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

interface Size {
  readonly width: number;
  readonly height: number;
}

/** An RLE {counts, size}, its runs checked to cover exactly its size (and the image's, if known). */
function readRle(rle: Readonly<Record<string, unknown>>, image?: Size): MaskPart {
  const size = rle.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every(isCount)) {
    throw malformed('has an RLE whose size is not [height, width]');
  }
  const [height, width] = size as [number, number];
  if (image && (image.height !== height || image.width !== width)) {
    throw new SegmentationError(misfit(width, height, image), 'size-mismatch');
  }
  let runs: number[];
  if (typeof rle.counts === 'string') runs = decodeRleString(rle.counts);
  else if (Array.isArray(rle.counts)) {
    const bad = rle.counts.find((n) => !isCount(n));
    if (bad !== undefined) {
      throw malformed(`has ${JSON.stringify(bad)} among its RLE counts, not a count of pixels`);
    }
    runs = rle.counts as number[];
  } else throw malformed('has an RLE whose counts are neither a list nor a string');
  const total = runs.reduce((sum, n) => sum + n, 0);
  if (total !== height * width) {
    throw malformed(
      `has RLE counts that cover ${total} pixels, not the ${height * width} of its ${width}×${height} size`,
    );
  }
  return { kind: 'rle', runs, height, width };
}

const misfit = (width: number, height: number, image: Size) =>
  `has an RLE of ${width}×${height} pixels (size [${height}, ${width}]) but its image is ${image.width}×${image.height}`;

/**
 * A segmentation's parts, as a COCO annotation gives them: a list of polygons [x1, y1, x2, y2, …]
 * (one object in several parts), or one RLE. Throws a SegmentationError saying what is wrong.
 */
export function readSegmentation(segmentation: unknown, image?: Size): MaskPart[] {
  if (Array.isArray(segmentation)) {
    return segmentation.map((polygon: unknown, i) => {
      const xy = Array.isArray(polygon) ? polygon : [];
      if (!xy.every((n) => typeof n === 'number' && Number.isFinite(n))) {
        throw malformed(`has a polygon ${i + 1} that is not a list of numbers [x1, y1, x2, y2, …]`);
      }
      if (xy.length % 2 !== 0) {
        throw malformed(`has a polygon ${i + 1} of ${xy.length} numbers, not x, y pairs`);
      }
      // pycocotools would take two points as a box; COCO's polygons have three or more.
      if (xy.length < 6) {
        throw malformed(
          `has a polygon ${i + 1} of ${xy.length / 2} points, and a polygon needs at least 3`,
        );
      }
      return { kind: 'polygon', xy: xy as number[] };
    });
  }
  if (typeof segmentation === 'object' && segmentation !== null && 'counts' in segmentation) {
    return [readRle(segmentation as Record<string, unknown>, image)];
  }
  throw malformed(
    'has a segmentation that is neither a list of polygons nor an RLE {counts, size}',
  );
}

/** Whether an annotation gives a segmentation at all (COCO writes [] for none), good or not. */
export const hasSegmentation = (value: unknown): boolean =>
  value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

type Box = readonly [number, number, number, number];

const boxOf = (bbox: unknown): Box | undefined =>
  Array.isArray(bbox) &&
  bbox.length === 4 &&
  bbox.every((n) => typeof n === 'number' && Number.isFinite(n))
    ? (bbox as unknown as Box)
    : undefined;

const ignoredText = (shape: MaskShape, key: string) =>
  shape.box
    ? 'its box is ignored in the mask (255)'
    : `it has no box either, so the whole mask of '${key}' is ignored (255)`;

export interface Fixed {
  readonly kind: BadRowKind;
  readonly message: string;
}

/**
 * The shape an annotation adds to its image's mask, and the sentence to report when its
 * segmentation is missing or cannot be read. `image` is the size the file states, if any.
 */
export function maskShapeOf(
  annotation: Readonly<Record<string, unknown>>,
  value: number,
  where: string,
  key: string,
  image?: Size,
): { shape: MaskShape; fixed?: Fixed } {
  const { segmentation } = annotation;
  const box = boxOf(annotation.bbox);
  const unread = { value, parts: [], where, ...(box ? { box } : {}) };
  const said = (why: string, kind: BadRowKind = 'malformed') => ({
    shape: unread,
    fixed: {
      kind,
      message: `${capitalise(where)} of '${key}' ${why}; ${ignoredText(unread, key)}.`,
    },
  });
  if (!hasSegmentation(segmentation)) return said('has no segmentation');
  try {
    return { shape: { ...unread, parts: readSegmentation(segmentation, image) } };
  } catch (error) {
    if (error instanceof SegmentationError) return said(error.message, error.kind);
    throw error;
  }
}

/** Whether a shape can be drawn on a height × width image: read, and any RLE of that size. */
const drawable = (shape: MaskShape, height: number, width: number) =>
  shape.parts.length > 0 &&
  shape.parts.every((p) => p.kind === 'polygon' || (p.height === height && p.width === width));

/**
 * The sentences for RLEs of another size than the image's (a file that states a wrong image
 * size); the check pass reports them, and drawing ignores those shapes' boxes instead.
 */
export function misfitShapes(drawn: DrawnMask, key: string, image: Size): Fixed[] {
  return drawn.shapes.flatMap((shape) => {
    const part = shape.parts.find(
      (p) => p.kind === 'rle' && (p.height !== image.height || p.width !== image.width),
    );
    if (part === undefined || part.kind !== 'rle') return [];
    const why = misfit(part.width, part.height, image);
    return [
      {
        kind: 'size-mismatch',
        message: `${capitalise(shape.where)} of '${key}' ${why}; ${ignoredText(shape, key)}.`,
      },
    ];
  });
}

/** Calls `visit` with the row-major index of every pixel the runs cover. */
function eachPixel(
  runs: readonly number[],
  height: number,
  width: number,
  visit: (i: number) => void,
) {
  let p = 0;
  runs.forEach((run, r) => {
    if (r % 2 === 1) {
      for (let q = p; q < p + run; q++) visit((q % height) * width + Math.floor(q / height));
    }
    p += run;
  });
}

/** The corners in the order pycocotools draws a box given as a segmentation. */
const boxPolygon = ([x, y, w, h]: Box): MaskPart => ({
  kind: 'polygon',
  xy: [x, y, x, y + h, x + w, y + h, x + w, y],
});

/**
 * The mask of a height × width image: background 0, each object its class index, crowds 255.
 * Crowds (and the ignored boxes of shapes that cannot be drawn) go first and objects over them,
 * since an object outlined inside a crowd is still that object; objects go largest first, so a
 * smaller one lying on a larger one (a cup on a table) stays seen. Equal areas keep the file's
 * order, the later on top.
 */
export function drawMask(drawn: DrawnMask, height: number, width: number): MaskImage {
  const values = new Uint8Array(height * width);
  const usable: { value: number; parts: readonly MaskPart[] }[] = [];
  for (const shape of drawn.shapes) {
    if (drawable(shape, height, width)) usable.push(shape);
    else if (shape.box) usable.push({ value: IGNORE_CLASS, parts: [boxPolygon(shape.box)] });
    else return { width, height, values: values.fill(IGNORE_CLASS) };
  }
  const stamp = new Int32Array(height * width).fill(-1);
  const shapes = usable.map(({ value, parts }, n) => {
    const runs = parts.map((p) => (p.kind === 'rle' ? p.runs : polygonRuns(p.xy, height, width)));
    // Parts of one object may overlap (pycocotools merges them); the area counts a pixel once.
    let area = 0;
    for (const part of runs) {
      eachPixel(part, height, width, (i) => {
        if (stamp[i] !== n) [stamp[i], area] = [n, area + 1];
      });
    }
    return { value, runs, area, n };
  });
  const crowd = (s: { value: number }) => (s.value === IGNORE_CLASS ? 0 : 1);
  shapes.sort((a, b) => crowd(a) - crowd(b) || b.area - a.area || a.n - b.n);
  for (const { value, runs } of shapes) {
    for (const part of runs) eachPixel(part, height, width, (i) => (values[i] = value));
  }
  return { width, height, values };
}
