/**
 * The imported-data part of `npm run bench`: how fast the pipeline decodes and resizes photos
 * against how fast the reference model trains, and whether the trainer waits for it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImageShape } from '../datasets/types.ts';
import { inspectDataset } from '../datasets/import/index.ts';
import { createImportedData } from '../datasets/import/reader.ts';
import { measureDecodeThroughput } from '../datasets/import/throughput.ts';
import type { CheckedDataset } from '../datasets/import/types.ts';
import { createRng } from '../datasets/rng.ts';
import { trainerEpochs, type BenchSettings } from './training-bench.ts';

const CLASSES = ['red', 'green', 'blue'] as const;
const COLOURS = [
  [210, 40, 40],
  [40, 180, 60],
  [40, 70, 210],
] as const;

/**
 * `count` camera-sized JPEGs (`width`×`height`, quality 90) of a coloured rectangle on a shaded,
 * noisy background, with a CSV of their classes and pixel boxes: what a user's photos cost to
 * decode, without shipping photos.
 */
export async function writePhotoDataset(
  dir: string,
  count: number,
  width = 640,
  height = 480,
): Promise<string> {
  const random = createRng(7, 0xbe4c);
  const rng = () => random.nextFloat();
  const rows = ['path,class,xmin,ymin,xmax,ymax'];
  for (let i = 0; i < count; i++) {
    const pixels = Buffer.alloc(width * height * 3);
    const shade = 60 + Math.floor(rng() * 120);
    for (let p = 0; p < width * height; p++) {
      const base = shade + ((p % width) * 60) / width;
      const noise = (rng() - 0.5) * 30;
      pixels[p * 3] =
        pixels[p * 3 + 1] =
        pixels[p * 3 + 2] =
          Math.max(0, Math.min(255, base + noise));
    }
    const k = i % CLASSES.length;
    const w = Math.floor(width * (0.15 + rng() * 0.5));
    const h = Math.floor(height * (0.15 + rng() * 0.5));
    const x = Math.floor(rng() * (width - w));
    const y = Math.floor(rng() * (height - h));
    for (let yy = y; yy < y + h; yy++) {
      for (let xx = x; xx < x + w; xx++) pixels.set(COLOURS[k] ?? [0, 0, 0], (yy * width + xx) * 3);
    }
    const name = `photo_${String(i).padStart(4, '0')}.jpg`;
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(join(dir, name));
    rows.push(`${name},${CLASSES[k]},${x},${y},${x + w},${y + h}`);
  }
  const csv = join(dir, 'labels.csv');
  await writeFile(csv, `${rows.join('\n')}\n`);
  return csv;
}

export interface ImportBenchResult {
  readonly images: number;
  readonly checkMsPerImage: number;
  readonly decodeRates: number[];
  /** Trainer samples/s per timed epoch, decoding every epoch (no cache) and from the cache. */
  readonly decodingRates: number[];
  readonly cachedRates: number[];
  /** Share of each timed epoch the trainer spent waiting for data, decoding every epoch. */
  readonly waitShares: number[];
}

/**
 * Writes `train` photos (+ a few for validation and test), checks them as an import would, then
 * measures side by side in this process: decode+resize throughput alone, and the trainer's
 * samples/s on the same photos decoding every epoch against reading them from the cache.
 */
export async function importBench(
  s: Omit<BenchSettings, 'dataset'> & { readonly train: number },
): Promise<ImportBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'studio-bench-photos-'));
  try {
    const total = Math.ceil(s.train / 0.9) + 2;
    const csv = await writePhotoDataset(dir, total);
    const checkStart = performance.now();
    const checked = await inspectDataset(csv, {
      seed: 1,
      validationFraction: 0.05,
      testFraction: 0.05,
    });
    const checkMsPerImage = (performance.now() - checkStart) / total;
    const trainOnly: CheckedDataset = {
      ...checked,
      samples: { ...checked.samples, train: checked.samples.train.slice(0, s.train) },
    };
    const input = s.graph.nodes.find((n) => n.kind === 'Input')?.params as
      { height: number; width: number; channels: number } | undefined;
    const imageShape: ImageShape = [input?.height ?? 64, input?.width ?? 64, input?.channels ?? 3];
    const options = { imageShape, resize: 'letterbox' as const, seed: 1 };

    const decodeRates: number[] = [];
    const decodingRates: number[] = [];
    const cachedRates: number[] = [];
    const waitShares: number[] = [];
    const cached = createImportedData(trainOnly, { ...options, cache: true });
    for (let round = 0; round < 2; round++) {
      decodeRates.push((await measureDecodeThroughput(trainOnly, options, 3)).imagesPerSec);
      const decoding = createImportedData(trainOnly, { ...options, cache: false });
      for (const e of await trainerEpochs({ ...s, dataset: decoding })) {
        decodingRates.push(e.samplesPerSec);
        const epochSeconds = e.train.samples / e.samplesPerSec;
        waitShares.push((e.dataWaitSeconds ?? 0) / epochSeconds);
      }
      await decoding.close();
      cachedRates.push(
        ...(await trainerEpochs({ ...s, dataset: cached })).map((e) => e.samplesPerSec),
      );
    }
    await cached.close();
    return { images: total, checkMsPerImage, decodeRates, decodingRates, cachedRates, waitShares };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
