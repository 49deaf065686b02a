import { z } from 'zod';
import type { Shape } from '../shape.ts';
import type { GalleryMap } from './task.ts';

/**
 * Pieces shared by the kinds whose target is a map over the image (a mask, depth, normals): the
 * size in the target, the check that a head sees the full resolution, and compact gallery maps.
 */

const side = z.number().int().min(1).max(4096);

/** A map target's schema: a name, the kind, and the map's height and width in pixels. */
export const mapTargetSchema = <K extends string>(kind: K) =>
  z.object({ name: z.string(), kind: z.literal(kind), height: side, width: side });

/** "64×64". */
export const sizeWords = (height: number, width: number) => `${height}×${width}`;

/**
 * Why a head that outputs `shape` per sample cannot learn a `height`×`width` map of `what`
 * ("masks"), or undefined when its positions are the map's pixels.
 */
export function checkMapSize(
  target: { readonly height: number; readonly width: number },
  shape: Shape,
  what: string,
): string | undefined {
  const [h, w] = shape;
  if (shape.length !== 3 || h === undefined || w === undefined) {
    return `outputs [${shape.join(', ')}] but the ${what} are maps of ${sizeWords(target.height, target.width)} pixels; put it on a feature map`;
  }
  if (h === target.height && w === target.width) return undefined;
  return `outputs ${sizeWords(h, w)} positions but the ${what} are ${sizeWords(target.height, target.width)}; upsample the feature map it sees to ${sizeWords(target.height, target.width)}`;
}

/** Pixels per sample of a head's output [H, W, C]. */
export const pixelsOf = (shape: Shape) => (shape[0] ?? 1) * (shape[1] ?? 1);

/** Values rounded for the gallery's file: three significant digits are plenty to colour by. */
export const roundForGallery = (values: readonly number[]) =>
  values.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(3)) : 0));

/** A gallery map of `values` at the head's resolution ([H, W, C] per sample). */
export const galleryMap = (
  form: GalleryMap['form'],
  values: readonly number[],
  shape: readonly number[] | undefined,
): GalleryMap => {
  const [height = 1, width = values.length] = shape ?? [];
  return { form, height, width, values };
};
