/**
 * COCO's run-length encodings and polygons as pycocotools reads and draws them: the compressed
 * RLE string decoded, and a polygon turned into runs pixel for pixel as maskApi.c does. Runs go
 * down the columns, alternately background and object, starting with background.
 */
import type { BadRowKind } from './types.ts';

/** A segmentation that cannot be read, as the end of a sentence, and its bad row's kind. */
export class SegmentationError extends Error {
  constructor(
    message: string,
    readonly kind: Extract<BadRowKind, 'malformed' | 'size-mismatch'>,
  ) {
    super(message);
  }
}

const malformed = (why: string) => new SegmentationError(why, 'malformed');

/** pycocotools draws polygons on a grid five times finer, then keeps the pixel-column crossings. */
const POLYGON_SCALE = 5;

/**
 * The runs of one polygon on a height × width image: maskApi.c's rleFrPoly step by step, so
 * every pixel agrees with pycocotools (C's casts to int truncate toward zero, as Math.trunc).
 */
export function polygonRuns(xy: readonly number[], height: number, width: number): number[] {
  const k = xy.length >> 1;
  const x = Array.from({ length: k + 1 }, (_, j) =>
    Math.trunc(POLYGON_SCALE * xy[(j % k) * 2]! + 0.5),
  );
  const y = Array.from({ length: k + 1 }, (_, j) =>
    Math.trunc(POLYGON_SCALE * xy[(j % k) * 2 + 1]! + 0.5),
  );
  // Dense points along every edge on the fine grid.
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let [xs, xe, ys, ye] = [x[j]!, x[j + 1]!, y[j]!, y[j + 1]!];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) [xs, xe, ys, ye] = [xe, xs, ye, ys];
    // A repeated vertex (dx = dy = 0) gives C a NaN slope whose one point no crossing reads.
    const s = dx >= dy ? (dx === 0 ? 0 : (ye - ys) / dx) : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
    }
  }
  // Where the boundary crosses a pixel column's centre: the first pixel inside or past it.
  const starts: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / POLYGON_SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / POLYGON_SCALE - 0.5;
    yd = Math.ceil(yd < 0 ? 0 : yd > height ? height : yd);
    starts.push(xd * height + yd);
  }
  starts.push(height * width);
  starts.sort((a, b) => a - b);
  // Crossings become run lengths; two crossings at one pixel cancel.
  const gaps = starts.map((a, j) => a - (j > 0 ? starts[j - 1]! : 0));
  const runs = [gaps[0]!];
  for (let j = 1; j < gaps.length; j++) {
    if (gaps[j]! > 0) runs.push(gaps[j]!);
    else if (++j < gaps.length) runs[runs.length - 1]! += gaps[j]!;
  }
  return runs;
}

/**
 * The run lengths of COCO's compressed RLE string: six bits a character (ASCII 48 to 111), five
 * of value and one to go on, the last character's fifth bit the sign; from the fourth run on,
 * each is written as its difference from the run two before.
 */
export function decodeRleString(text: string): number[] {
  const runs: number[] = [];
  let p = 0;
  while (p < text.length) {
    let value = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw malformed('has RLE counts that end inside a run');
      const c = text.charCodeAt(p) - 48;
      if (!(c >= 0 && c < 64)) {
        throw malformed(
          `has RLE counts with the character ${JSON.stringify(text[p])} at ${p + 1}, outside COCO's encoding ('0' to 'o')`,
        );
      }
      value += (c & 0x1f) * 32 ** k;
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) value -= 32 ** k;
    }
    if (runs.length > 2) value += runs[runs.length - 2]!;
    if (value < 0) throw malformed(`has RLE counts whose run ${runs.length + 1} is negative`);
    runs.push(value);
  }
  return runs;
}
