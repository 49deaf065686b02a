/**
 * Tiny segmentation datasets for tests: palette PNG masks written byte by byte (no encoder at
 * hand writes palette indices as given), images whose colour follows the mask, and the folder,
 * Pascal VOC and COCO layouts around them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { drawMask, readSegmentation } from './coco-masks.ts';

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * An 8-bit palette PNG of the given indices (row by row), each row filtered with `filter`
 * (0 none, 1 sub, 2 up) so the reader's unfiltering is exercised.
 */
export function indexPng(width: number, height: number, values: ArrayLike<number>, filter = 1) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8);
  const palette = Buffer.alloc(256 * 3);
  for (let i = 0; i < 256; i++)
    palette.set([(i * 37) & 255, (i * 91) & 255, (i * 53) & 255], i * 3);
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = filter;
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x]!;
      const left = x > 0 ? values[y * width + x - 1]! : 0;
      const up = y > 0 ? values[(y - 1) * width + x]! : 0;
      const predicted = filter === 1 ? left : filter === 2 ? up : 0;
      raw[y * (width + 1) + 1 + x] = (v - predicted) & 255;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('PLTE', palette),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Class c's colour in the fixture images: far apart, so a model tells classes by colour alone. */
const COLOURS = [
  [0, 0, 0],
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
];

/**
 * A mask of `classes` classes: a rectangle of class 1 + (n mod (classes − 1)) on background 0,
 * placed by n, with a one-pixel 255 outline as VOC draws.
 */
export function fixtureMask(n: number, width: number, height: number, classes: number): Uint8Array {
  const values = new Uint8Array(width * height);
  const cls = 1 + (n % (classes - 1));
  const x0 = 1 + (n % 3);
  const y0 = 1 + ((n >> 1) % 3);
  const x1 = Math.min(width - 1, x0 + Math.floor(width / 2));
  const y1 = Math.min(height - 1, y0 + Math.floor(height / 2));
  for (let y = y0 - 1; y <= y1; y++) {
    for (let x = x0 - 1; x <= x1; x++) {
      const edge = y === y0 - 1 || y === y1 || x === x0 - 1 || x === x1;
      values[y * width + x] = edge ? 255 : cls;
    }
  }
  return values;
}

/** A PNG image painted by its mask: each class its colour, the outline grey. */
export async function writeMaskedImage(
  file: string,
  mask: Uint8Array,
  width: number,
  height: number,
): Promise<void> {
  const pixels = Buffer.alloc(width * height * 3);
  mask.forEach((c, i) =>
    pixels.set(c === 255 ? [128, 128, 128] : (COLOURS[c] ?? [255, 255, 0]), i * 3),
  );
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

export interface MaskLayout {
  readonly images: number;
  readonly width?: number;
  readonly height?: number;
  /** Classes the masks use, background included (at most 4 colours are distinct). */
  readonly classes?: number;
  /** The last images listed in ImageSets/Segmentation/test.txt (VOC's own lists stop at val). */
  readonly test?: number;
}

/** A VOC segmentation folder: JPEGImages (PNG files), SegmentationClass, Segmentation splits. */
export async function writeVocSegmentation(
  root: string,
  layout: MaskLayout,
): Promise<Uint8Array[]> {
  const { images, width = 12, height = 10, classes = 4 } = layout;
  await mkdir(join(root, 'JPEGImages'), { recursive: true });
  await mkdir(join(root, 'SegmentationClass'), { recursive: true });
  await mkdir(join(root, 'ImageSets', 'Segmentation'), { recursive: true });
  const masks: Uint8Array[] = [];
  const ids: string[] = [];
  for (let n = 0; n < images; n++) {
    const id = `2007_${String(n).padStart(6, '0')}`;
    const mask = fixtureMask(n, width, height, classes);
    masks.push(mask);
    ids.push(id);
    await writeMaskedImage(join(root, 'JPEGImages', `${id}.png`), mask, width, height);
    await writeFile(
      join(root, 'SegmentationClass', `${id}.png`),
      indexPng(width, height, mask, n % 3),
    );
  }
  const test = layout.test ?? 0;
  const cut = Math.ceil((images - test) * 0.75);
  const lists = {
    train: ids.slice(0, cut),
    val: ids.slice(cut, images - test),
    test: ids.slice(images - test),
  };
  for (const [name, list] of Object.entries(lists)) {
    await writeFile(join(root, 'ImageSets', 'Segmentation', `${name}.txt`), list.join('\n'));
  }
  return masks;
}

/** The classes of writeCocoSegmentation's file; 'sun' and 'lemon' are painted alike (yellow). */
export const COCO_FIXTURE_CATEGORIES = ['red', 'green', 'blue', 'sun', 'lemon'] as const;

/** Column-major runs of a 0/1 bitmap given row by row, as COCO's RLE counts them. */
function runsOf(bitmap: Uint8Array, width: number, height: number): number[] {
  const runs: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      if (bitmap[y * width + x] !== value) {
        runs.push(run);
        run = 0;
        value = 1 - value;
      }
      run++;
    }
  }
  return [...runs, run];
}

/** COCO's compressed RLE string of runs (pycocotools' rleToString). */
export function encodeRleString(runs: readonly number[]): string {
  let text = '';
  runs.forEach((run, i) => {
    let x = i > 2 ? run - runs[i - 2]! : run;
    for (let more = true; more;) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      text += String.fromCharCode(c + 48);
    }
  });
  return text;
}

/** An RLE of a rectangle [x0, x1) × [y0, y1), and its bbox. */
function rectangleRle(
  width: number,
  height: number,
  [x0, y0, x1, y1]: readonly [number, number, number, number],
) {
  const bitmap = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) bitmap.fill(1, y * width + x0, y * width + x1);
  return {
    counts: runsOf(bitmap, width, height),
    size: [height, width],
    bbox: [x0, y0, x1 - x0, y1 - y0],
  };
}

/**
 * A COCO file (instances.json, images in images/) whose annotations are polygons: in each image a
 * concave L of one class and, in every other image, an object of another class in two parts.
 * Image 0 adds an uncompressed RLE object, image 1 a compressed one, image 2 a crowd. Each image
 * is painted by its mask as drawn from those shapes; the last `test` images are the test split.
 */
export async function writeCocoSegmentation(
  root: string,
  layout: Omit<MaskLayout, 'classes'>,
): Promise<Uint8Array[]> {
  const { images, width = 16, height = 12, test = 0 } = layout;
  await mkdir(join(root, 'images'), { recursive: true });
  const entries: object[] = [];
  const annotations: Record<string, unknown>[] = [];
  const masks: Uint8Array[] = [];
  const cut = Math.ceil((images - test) * 0.75);
  for (let n = 0; n < images; n++) {
    const file = `coco_${n}.png`;
    const split = n >= images - test ? 'test' : n < cut ? 'train' : 'validation';
    entries.push({ id: n + 1, file_name: file, width, height, split });
    const add = (category: number, segmentation: unknown, bbox: readonly number[], crowd = 0) =>
      annotations.push({
        id: annotations.length + 1,
        image_id: n + 1,
        category_id: category,
        segmentation,
        bbox,
        area: bbox[2]! * bbox[3]!,
        iscrowd: crowd,
      });
    const [x, y] = [1 + (n % 4), 1 + ((n >> 2) % 3)];
    const ell = [x, y, x + 7, y, x + 7, y + 3, x + 3, y + 3, x + 3, y + 7, x, y + 7];
    add(1 + (n % 5), [ell], [x, y, 7, 7]);
    if (n % 2 === 0) {
      const [a, b] = [width - 6, 1 + (n % 3)];
      const parts = [
        [a, b, a + 5, b, a + 5, b + 4],
        [a, b + 5, a + 5, b + 9, a, b + 9],
      ];
      add(1 + ((n + 2) % 5), parts, [a, b, 5, 9]);
    }
    if (n <= 2) {
      const { counts, size, bbox } = rectangleRle(width, height, [2, height - 4, 9, height - 1]);
      if (n === 0) add(3, { counts, size }, bbox);
      if (n === 1) add(2, { counts: encodeRleString(counts), size }, bbox);
      if (n === 2) add(1, { counts, size }, bbox, 1);
    }
    const mine = annotations.filter((a) => a.image_id === n + 1);
    const shapes = mine.map((a) => ({
      value: a.iscrowd === 1 ? 255 : (a.category_id as number),
      parts: readSegmentation(a.segmentation),
      where: `annotation ${String(a.id)}`,
    }));
    const mask = drawMask({ from: 'instances.json', shapes }, height, width).values;
    masks.push(mask);
    await writeMaskedImage(join(root, 'images', file), mask, width, height);
  }
  const categories = COCO_FIXTURE_CATEGORIES.map((name, i) => ({ id: i + 1, name }));
  await writeFile(
    join(root, 'instances.json'),
    JSON.stringify({ images: entries, annotations, categories }),
  );
  return masks;
}
