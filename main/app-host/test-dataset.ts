/**
 * A tiny CSV dataset with boxes, written for tests: small PNGs, each a coloured square or bar on
 * a grey ground, one row per image in labels.csv, plus one row naming an image that is missing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export interface TinyDatasetOptions {
  readonly images?: number;
  readonly size?: number;
  readonly classes?: readonly string[];
}

export interface TinyDataset {
  readonly csvPath: string;
  readonly classes: readonly string[];
  /** Rows of images that exist (the broken row is not counted). */
  readonly rows: number;
  readonly missingFile: string;
}

const COLOURS: readonly (readonly [number, number, number])[] = [
  [220, 40, 40],
  [40, 90, 220],
  [30, 170, 60],
];

/** Writes the dataset into `dir`: images/img-NN.png and labels.csv. */
export async function writeTinyCsvDataset(
  dir: string,
  options: TinyDatasetOptions = {},
): Promise<TinyDataset> {
  const count = options.images ?? 30;
  const size = options.size ?? 32;
  const classes = options.classes ?? ['red', 'blue', 'green'];
  await mkdir(join(dir, 'images'), { recursive: true });
  const lines = ['filename,class,xmin,ymin,xmax,ymax'];
  for (let i = 0; i < count; i++) {
    const c = i % classes.length;
    const colour = COLOURS[c % COLOURS.length]!;
    const w = 8 + ((i * 5) % 12);
    const h = 8 + ((i * 7) % 12);
    const x0 = (i * 3) % (size - w);
    const y0 = (i * 11) % (size - h);
    const pixels = Buffer.alloc(size * size * 3, 128);
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) pixels.set(colour, (y * size + x) * 3);
    }
    const name = `images/img-${String(i).padStart(2, '0')}.png`;
    await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(join(dir, name));
    lines.push(`${name},${classes[c]},${x0},${y0},${x0 + w},${y0 + h}`);
  }
  const missingFile = 'images/missing.png';
  lines.push(`${missingFile},${classes[0]},1,1,9,9`);
  const csvPath = join(dir, 'labels.csv');
  await writeFile(csvPath, `${lines.join('\n')}\n`);
  return { csvPath, classes, rows: count, missingFile };
}
