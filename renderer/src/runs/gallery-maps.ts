import type { GalleryMap } from '../../../core/tasks/task.ts';

/** Distinct colours for classes, in class order (repeating past the tenth). */
export const CLASS_COLORS = [
  [230, 159, 0],
  [86, 180, 233],
  [0, 158, 115],
  [240, 228, 66],
  [0, 114, 178],
  [213, 94, 0],
  [204, 121, 167],
  [148, 103, 189],
  [140, 86, 75],
  [127, 127, 127],
] as const;

export const classColor = (k: number): readonly [number, number, number] =>
  CLASS_COLORS[((k % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length]!;

export const cssColor = ([r, g, b]: readonly number[]) => `rgb(${r}, ${g}, ${b})`;

/** A scale from near (dark blue) through green to far (yellow), as a depth map is read. */
const SCALE_STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
] as const;

/** The scale's colour at `t` in 0–1. */
export function scaleColor(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (SCALE_STOPS.length - 1);
  const i = Math.min(SCALE_STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [SCALE_STOPS[i]!, SCALE_STOPS[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * f)) as [number, number, number];
}

/** The CSS gradient of the scale, for its legend. */
export const SCALE_GRADIENT = `linear-gradient(to right, ${SCALE_STOPS.map(cssColor).join(', ')})`;

/** The ignore class of masks, and the "nothing here" of depth and normals, drawn so. */
const IGNORE_CLASS = 255;
const NOTHING: readonly [number, number, number] = [0, 0, 0];

/**
 * A map as RGBA: classes as colours over the image (`under`, RGBA of the same size) at
 * `opacity`, a value on the scale over `range`, a direction as (x, y, z) → RGB around grey.
 */
export function mapToRgba(
  map: GalleryMap,
  range: readonly [number, number] = [0, 1],
  under?: Uint8ClampedArray,
  opacity = 0.6,
): Uint8ClampedArray<ArrayBuffer> {
  const n = map.height * map.width;
  const rgba = new Uint8ClampedArray(n * 4);
  const span = range[1] - range[0] || 1;
  for (let i = 0; i < n; i++) {
    let colour: readonly number[];
    let alpha = 1;
    if (map.form === 'classes') {
      const k = map.values[i] ?? IGNORE_CLASS;
      colour = k === IGNORE_CLASS ? NOTHING : classColor(k);
      alpha = k === IGNORE_CLASS ? 0 : opacity;
    } else if (map.form === 'scalar') {
      const v = map.values[i] ?? 0;
      colour = v > 0 ? scaleColor((v - range[0]) / span) : NOTHING;
    } else {
      const [x = 0, y = 0, z = 0] = map.values.slice(i * 3, i * 3 + 3);
      colour = x === 0 && y === 0 && z === 0 ? NOTHING : [x, y, z].map((v) => (v + 1) * 127.5);
    }
    for (let c = 0; c < 3; c++) {
      const base = under ? under[i * 4 + c]! : 0;
      rgba[i * 4 + c] = under ? base * (1 - alpha) + colour[c]! * alpha : colour[c]!;
    }
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
