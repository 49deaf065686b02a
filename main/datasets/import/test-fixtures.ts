/**
 * Test support, imported by tests only: writes one small dataset of coloured rectangles in any
 * of the import layouts, the same images and boxes in each, with its ground truth, and adds
 * broken rows and files on request so every kind of bad row can be provoked.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { SplitName } from '../types.ts';
import { writeLayout } from './test-fixture-layouts.ts';
import { BAD_ROW_KINDS, type BadRowKind, type ImportFormat, type PixelBox } from './types.ts';

/** The class of a rectangle is its colour; sorted by name, so every format orders them alike. */
export const FIXTURE_CLASSES = ['blue', 'green', 'red'] as const;
const COLOURS: readonly (readonly [number, number, number])[] = [
  [30, 60, 220],
  [40, 190, 60],
  [220, 40, 40],
];
const BACKGROUND = 128;

/**
 * Every kind of bad row can be written into a fixture (where its format can express it), but an
 * image outside the dataset's folder: a fixture touches nothing outside its folder, so
 * check.test.ts writes that one itself.
 */
export const BROKEN_THINGS = BAD_ROW_KINDS.filter((kind) => kind !== 'outside-folder');
export type BrokenThing = BadRowKind;

export interface FixtureSpec {
  /** Good images, 24 unless given. */
  readonly images?: number;
  readonly width?: number;
  readonly height?: number;
  /** Put the split in the data (every 8th image validation, the next test) in the layout's own way. */
  readonly splits?: boolean;
  /** Every fourth image gets a second, smaller rectangle of the next class. */
  readonly multiObject?: boolean;
  /** CSV only: write boxes as fractions of the image. */
  readonly normalized?: boolean;
  /** CSV only: add numeric columns 'area' and 'aspect' of the main box. */
  readonly values?: boolean;
  /** YOLO only: labels beside the images instead of images/ + labels/; names in data.yaml. */
  readonly yoloLayout?: 'images-labels' | 'side-by-side';
  readonly yoloNames?: 'classes.txt' | 'data.yaml';
  /** Broken rows and files to add; kinds a format cannot express are left out of `broken`. */
  readonly broken?: readonly BrokenThing[];
  /**
   * Background images to add (bg_000.png, …: grey, no objects), each written as its layout says
   * an image has none: a COCO image without annotations, an empty YOLO label file, a VOC file
   * without <object>, a CSV row with a blank class and box.
   */
  readonly background?: number;
  /** YOLO only: the last background image has no label file at all. */
  readonly backgroundWithoutLabel?: boolean;
}

export interface FixtureObject {
  readonly className: string;
  readonly classIndex: number;
  /** Pixel edges: [left, top, right + 1, bottom + 1]. */
  readonly box: PixelBox;
}

export interface FixtureImage {
  /** The key the format's reader gives the image. */
  readonly key: string;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** The main (largest) object: the one a single-object head learns. */
  readonly className: string;
  readonly classIndex: number;
  readonly box: PixelBox;
  readonly objects: readonly FixtureObject[];
  readonly split?: SplitName;
  readonly values: Readonly<Record<string, number>>;
}

export interface FixtureDataset {
  readonly format: ImportFormat;
  /** What to hand to the reader or to readIndex. */
  readonly path: string;
  readonly images: readonly FixtureImage[];
  /** The broken things written, each with a text its bad row's message must contain. */
  readonly broken: readonly { readonly kind: BrokenThing; readonly mention: string }[];
  /** The keys of the background images written. */
  readonly background: readonly string[];
}

const noValues: Readonly<Record<string, number>> = {};

/** The good images: class, box and split follow from the index alone. */
export function fixtureImages(spec: FixtureSpec = {}): FixtureImage[] {
  const count = spec.images ?? 24;
  const width = spec.width ?? 48;
  const height = spec.height ?? 40;
  return Array.from({ length: count }, (_, i) => {
    const classIndex = i % FIXTURE_CLASSES.length;
    const w = Math.min(width - 2, 10 + ((i * 7) % 20));
    const h = Math.min(height - 2, 8 + ((i * 5) % 18));
    const left = (i * 11) % (width - w + 1);
    const top = (i * 13) % (height - h + 1);
    const main: FixtureObject = {
      className: FIXTURE_CLASSES[classIndex] ?? '',
      classIndex,
      box: [left, top, left + w, top + h],
    };
    const objects = [main];
    if (spec.multiObject && i % 4 === 1) {
      const other = (classIndex + 1) % FIXTURE_CLASSES.length;
      const x = left + w > width - 6 ? 0 : width - 6;
      objects.push({
        className: FIXTURE_CLASSES[other] ?? '',
        classIndex: other,
        box: [x, 0, x + 6, 5],
      });
    }
    const split: SplitName | undefined = !spec.splits
      ? undefined
      : i % 8 === 6
        ? 'validation'
        : i % 8 === 7
          ? 'test'
          : 'train';
    return {
      key: `img_${String(i).padStart(3, '0')}.png`,
      name: `img_${String(i).padStart(3, '0')}.png`,
      width,
      height,
      className: main.className,
      classIndex,
      box: main.box,
      objects,
      ...(split ? { split } : {}),
      values: spec.values ? { area: (w * h) / (width * height), aspect: w / h } : noValues,
    };
  });
}

/** A PNG of rectangles on grey, drawn from raw pixels so every pixel is known. */
export async function writeRectanglesPng(
  file: string,
  width: number,
  height: number,
  objects: readonly { readonly classIndex: number; readonly box: PixelBox }[],
): Promise<void> {
  const pixels = Buffer.alloc(width * height * 3, BACKGROUND);
  for (const { classIndex, box } of objects) {
    const colour = COLOURS[classIndex] ?? [0, 0, 0];
    for (let y = Math.max(0, box[1]); y < Math.min(height, box[3]); y += 1) {
      for (let x = Math.max(0, box[0]); x < Math.min(width, box[2]); x += 1) {
        pixels.set(colour, (y * width + x) * 3);
      }
    }
  }
  await mkdir(dirname(file), { recursive: true });
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

/** A PNG cut off half way: its header reads, its pixels do not. */
export async function writeTruncatedPng(file: string, width = 48, height = 40): Promise<void> {
  const png = await sharp(Buffer.alloc(width * height * 3, 90), {
    raw: { width, height, channels: 3 },
  })
    .png()
    .toBuffer();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, png.subarray(0, Math.floor(png.length / 2)));
}

/** One extra image or row per broken thing: its name, its box, and whether it has a file. */
export interface FixtureExtra {
  readonly kind: BrokenThing;
  readonly name: string;
  readonly classIndex: number;
  readonly box?: PixelBox;
  readonly image: 'good' | 'truncated' | 'none';
}

const EXTRA_BOXES: Partial<Record<BrokenThing, PixelBox>> = {
  'box-outside': [60, 5, 70, 20],
  'box-clipped': [40, 5, 60, 20],
  'box-empty': [10, 10, 10, 20],
};

function extrasOf(spec: FixtureSpec): FixtureExtra[] {
  return (spec.broken ?? []).map((kind) => ({
    kind,
    name: `${kind.replace(/-/g, '_')}.png`,
    classIndex: 0,
    box: EXTRA_BOXES[kind] ?? [4, 4, 20, 16],
    image: kind === 'missing-file' ? 'none' : kind === 'unreadable-image' ? 'truncated' : 'good',
  }));
}

export type ImageWriter = (
  file: string,
  image: FixtureImage | FixtureExtra,
  spec: FixtureSpec,
) => Promise<void>;

async function writeImage(file: string, image: FixtureImage | FixtureExtra, spec: FixtureSpec) {
  const width = spec.width ?? 48;
  const height = spec.height ?? 40;
  if ('objects' in image) return writeRectanglesPng(file, width, height, image.objects);
  if (image.image === 'truncated') return writeTruncatedPng(file, width, height);
  if (image.image === 'good') {
    const inside = image.box && image.box[0] < width ? [{ classIndex: 0, box: image.box }] : [];
    return writeRectanglesPng(file, width, height, inside);
  }
  return undefined;
}

/**
 * Writes the fixture into `dir` in the given layout and returns where to read it and what it
 * holds. `dir` should be empty; nothing outside it is touched.
 */
export async function writeFixtureDataset(
  dir: string,
  format: ImportFormat,
  spec: FixtureSpec = {},
): Promise<FixtureDataset> {
  const background = Array.from(
    { length: spec.background ?? 0 },
    (_, i) => `bg_${String(i).padStart(3, '0')}.png`,
  );
  const written = await writeLayout(
    { dir, spec, good: fixtureImages(spec), extras: extrasOf(spec), background, writeImage },
    format,
  );
  return { format, ...written, background };
}

/** Temporary folders under the system's, made per test and removed by `cleanup`. */
export function temporaryFolders(prefix = 'studio-import-') {
  const made: string[] = [];
  return {
    async make(): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    async cleanup(): Promise<void> {
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** The pixel box as fractions of the image, as the check pass should give it. */
export const unitBoxOf = (image: FixtureImage): readonly number[] => [
  image.box[0] / image.width,
  image.box[1] / image.height,
  image.box[2] / image.width,
  image.box[3] / image.height,
];

/** Pixel edges [left, top, right + 1, bottom + 1] of the pixels at or above half brightness in channel 0. */
export function brightExtent(
  pixels: Uint8Array,
  [height, width, channels]: readonly [number, number, number],
): PixelBox {
  let [left, top, right, bottom] = [width, height, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((pixels[(y * width + x) * channels] as number) < 128) continue;
      left = Math.min(left, x);
      right = Math.max(right, x + 1);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y + 1);
    }
  }
  return [left, top, right, bottom];
}
