import { MAX_OBJECTS, OBJECT_FIELDS } from './object-rows.ts';

/**
 * CenterNet's training targets for a batch of `objects` rows on an H×W map of C classes, as
 * plain arrays the engine turns into tensors (and the exported train.py builds the same way).
 *
 * Each non-ignored object puts a Gaussian peak of 1 at its centre cell on its class's heatmap,
 * with the radius CenterNet takes from the box size (`gaussianRadius`, overlap 0.7), the maximum
 * where peaks overlap; its centre cell gets the box size and the sub-cell offset, in cells. An
 * ignored object (crowd, difficult) has no peak, and the cells of its box take no penalty on its
 * class's heatmap.
 */
export interface CenterNetTargets {
  /** [B, H, W, C]: 1 at a centre, the Gaussian around it, 0 elsewhere. */
  readonly heat: Float32Array;
  /** [B, H, W, C]: 1 at a centre (where the focal loss rewards a high score). */
  readonly positive: Float32Array;
  /** [B, H, W, C]: the focal loss's (1 − heat)^4 off centres, 0 at centres and ignored cells. */
  readonly negativeWeight: Float32Array;
  /** [B, H, W, 4]: width, height, offset x, offset y at each centre cell. */
  readonly regression: Float32Array;
  /** [B, H, W, 1]: 1 at a centre cell, where sizes and offsets are learned. */
  readonly regressionMask: Float32Array;
  /** Centres in the batch: what the losses are divided by (at least 1). */
  readonly positives: number;
}

/** CenterNet's radius for a box of `height`×`width` cells (its `gaussian_radius`). */
export function gaussianRadius(height: number, width: number, minOverlap = 0.7): number {
  const b1 = height + width;
  const c1 = (width * height * (1 - minOverlap)) / (1 + minOverlap);
  const r1 = (b1 + Math.sqrt(b1 * b1 - 4 * c1)) / 2;
  const b2 = 2 * (height + width);
  const c2 = (1 - minOverlap) * width * height;
  const r2 = (b2 + Math.sqrt(b2 * b2 - 16 * c2)) / 2;
  const a3 = 4 * minOverlap;
  const b3 = -2 * minOverlap * (height + width);
  const c3 = (minOverlap - 1) * width * height;
  const r3 = (b3 + Math.sqrt(b3 * b3 - 4 * a3 * c3)) / 2;
  return Math.min(r1, r2, r3);
}

export function centerNetTargets(
  rows: ArrayLike<number>,
  batch: number,
  height: number,
  width: number,
  classes: number,
): CenterNetTargets {
  const cells = height * width;
  const heat = new Float32Array(batch * cells * classes);
  const positive = new Float32Array(batch * cells * classes);
  const ignored = new Uint8Array(batch * cells * classes);
  const regression = new Float32Array(batch * cells * 4);
  const regressionMask = new Float32Array(batch * cells);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < MAX_OBJECTS; r++) {
      const o = (b * MAX_OBJECTS + r) * OBJECT_FIELDS;
      const c = Math.round(rows[o] ?? -1);
      if (!(c >= 0 && c < classes)) continue;
      const [x0, y0, x1, y1] = [1, 2, 3, 4].map((k) => rows[o + k] ?? 0) as [
        number,
        number,
        number,
        number,
      ];
      if ((rows[o + 5] ?? 0) > 0.5) {
        markIgnored(
          ignored,
          b,
          c,
          [x0 * width, y0 * height, x1 * width, y1 * height],
          height,
          width,
          classes,
        );
        continue;
      }
      const w = (x1 - x0) * width;
      const h = (y1 - y0) * height;
      if (!(w > 0 && h > 0)) continue;
      const cx = ((x0 + x1) / 2) * width;
      const cy = ((y0 + y1) / 2) * height;
      const ix = Math.min(width - 1, Math.max(0, Math.floor(cx)));
      const iy = Math.min(height - 1, Math.max(0, Math.floor(cy)));
      const radius = Math.max(0, Math.floor(gaussianRadius(Math.ceil(h), Math.ceil(w))));
      drawGaussian(heat, b, c, ix, iy, radius, height, width, classes);
      positive[((b * height + iy) * width + ix) * classes + c] = 1;
      const cell = (b * height + iy) * width + ix;
      regression.set([w, h, cx - ix, cy - iy], cell * 4);
      regressionMask[cell] = 1;
    }
  }
  const negativeWeight = new Float32Array(heat.length);
  let positives = 0;
  for (let i = 0; i < heat.length; i++) {
    if (positive[i]) {
      positives += 1;
      heat[i] = 1;
    } else if (!ignored[i]) {
      negativeWeight[i] = (1 - heat[i]!) ** 4;
    }
  }
  return {
    heat,
    positive,
    negativeWeight,
    regression,
    regressionMask,
    positives: Math.max(1, positives),
  };
}

/** CenterNet's `draw_umich_gaussian`: sigma a sixth of the diameter, tiny values cut to 0. */
function drawGaussian(
  heat: Float32Array,
  b: number,
  c: number,
  cx: number,
  cy: number,
  radius: number,
  height: number,
  width: number,
  classes: number,
): void {
  const sigma = (2 * radius + 1) / 6;
  for (let dy = -radius; dy <= radius; dy++) {
    const y = cy + dy;
    if (y < 0 || y >= height) continue;
    for (let dx = -radius; dx <= radius; dx++) {
      const x = cx + dx;
      if (x < 0 || x >= width) continue;
      let g = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      if (g < Number.EPSILON) g = 0;
      const i = ((b * height + y) * width + x) * classes + c;
      if (g > heat[i]!) heat[i] = g;
    }
  }
}

function markIgnored(
  ignored: Uint8Array,
  b: number,
  c: number,
  [x0, y0, x1, y1]: readonly number[],
  height: number,
  width: number,
  classes: number,
): void {
  const left = Math.max(0, Math.floor(x0!));
  const top = Math.max(0, Math.floor(y0!));
  const right = Math.min(width, Math.ceil(x1!));
  const bottom = Math.min(height, Math.ceil(y1!));
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) ignored[((b * height + y) * width + x) * classes + c] = 1;
  }
}
