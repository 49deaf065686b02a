/** The five shape kinds as point-in-shape tests, and their anti-aliased coverage on a pixel grid. */
import { createGreyImage } from './canvas.ts';
import type { GreyImage } from './canvas.ts';

export const SHAPE_KINDS = ['circle', 'square', 'triangle', 'cross', 'ring'] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

/** Cross arms are a third of the shape's side thick, so they read as a plus at any size. */
const CROSS_HALF_THICKNESS = 1 / 6;
/** The ring's hole has half its outer radius; its filled area is then 3/4 of a circle's. */
const RING_INNER_RADIUS = 0.25;
/** Samples per pixel along each axis (3x3 = 9): enough anti-aliasing for one-pixel edges. */
const SUPERSAMPLING = 3;

/**
 * Whether a point lies in the shape, in coordinates of the shape's bounding square: u rightwards
 * and v downwards, both 0..1. Every kind touches all four sides of that square, so its size is the
 * square's side whatever the kind. No rotation: the shapes stay axis-aligned.
 */
export function shapeContains(kind: ShapeKind, u: number, v: number): boolean {
  if (u < 0 || u > 1 || v < 0 || v > 1) return false;
  const du = u - 0.5;
  const dv = v - 0.5;
  switch (kind) {
    case 'circle':
      return du * du + dv * dv <= 0.25;
    case 'square':
      return true;
    case 'triangle':
      // Apex at the middle of the top side, base along the bottom side.
      return Math.abs(du) <= v / 2;
    case 'cross':
      return Math.abs(du) <= CROSS_HALF_THICKNESS || Math.abs(dv) <= CROSS_HALF_THICKNESS;
    case 'ring': {
      const squared = du * du + dv * dv;
      return squared <= 0.25 && squared >= RING_INNER_RADIUS * RING_INNER_RADIUS;
    }
  }
}

/** Where a shape sits on the canvas: its bounding square, in (fractional) pixels. */
export interface ShapeFrame {
  readonly kind: ShapeKind;
  readonly left: number;
  readonly top: number;
  readonly size: number;
}

/**
 * The fraction of each pixel the shape covers (0..1), from a regular grid of subsamples. Pixel (x, y)
 * spans [x, x+1) × [y, y+1); a pixel with any subsample inside has coverage above 0.
 */
export function shapeCoverage(frame: ShapeFrame, height: number, width: number): GreyImage {
  const coverage = createGreyImage(width, height);
  const firstX = Math.max(0, Math.floor(frame.left));
  const lastX = Math.min(width - 1, Math.ceil(frame.left + frame.size) - 1);
  const firstY = Math.max(0, Math.floor(frame.top));
  const lastY = Math.min(height - 1, Math.ceil(frame.top + frame.size) - 1);
  const samples = SUPERSAMPLING * SUPERSAMPLING;
  for (let y = firstY; y <= lastY; y += 1) {
    for (let x = firstX; x <= lastX; x += 1) {
      let inside = 0;
      for (let sy = 0; sy < SUPERSAMPLING; sy += 1) {
        const v = (y + (sy + 0.5) / SUPERSAMPLING - frame.top) / frame.size;
        for (let sx = 0; sx < SUPERSAMPLING; sx += 1) {
          const u = (x + (sx + 0.5) / SUPERSAMPLING - frame.left) / frame.size;
          if (shapeContains(frame.kind, u, v)) inside += 1;
        }
      }
      coverage.data[y * width + x] = inside / samples;
    }
  }
  return coverage;
}
