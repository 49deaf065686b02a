import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatasetTarget, ImageShape, SplitName } from '../types.ts';
import { applyBoxTransform, decodeImage, type DecodeImage } from './decode.ts';
import { createImportedData, type ImportedDataOptions } from './reader.ts';
import { measureDecodeThroughput } from './throughput.ts';
import type { CheckedDataset, Sample, UnitBox } from './types.ts';

const WIDTH = 40;
const HEIGHT = 30;
const SHAPE: ImageShape = [16, 16, 3];
/** 40×30 letterboxed into 16×16: 16×12 with two rows of padding above. */
const LETTERBOX = { scaleX: 1, scaleY: 0.75, offsetX: 0, offsetY: 0.125 };
const SPLIT_OF: readonly SplitName[] = [
  'train',
  'train',
  'train',
  'train',
  'train',
  'validation',
  'validation',
  'test',
];

const TARGETS: readonly DatasetTarget[] = [
  { name: 'class', kind: 'class', classes: ['cat', 'dog'] },
  { name: 'box', kind: 'box' },
  { name: 'age', kind: 'numeric', columns: ['age'] },
  { name: 'weight', kind: 'numeric', columns: ['weight'] },
  { name: 'values', kind: 'numeric', columns: ['age', 'weight'] },
];

/** Image k has a white rectangle whose corners move with k, so every image and box differs. */
const pixelBoxOf = (k: number) => [4 + k, 3 + k, 20 + 2 * k, 14 + k];

async function writeImages(dir: string): Promise<Sample[]> {
  return Promise.all(
    SPLIT_OF.map(async (split, k) => {
      const [x0, y0, x1, y1] = pixelBoxOf(k) as [number, number, number, number];
      const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
      for (let y = y0; y < y1; y++) raw.fill(255, (y * WIDTH + x0) * 3, (y * WIDTH + x1) * 3);
      const key = `images/${k}.png`;
      const file = join(dir, `${k}.png`);
      await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
        .png()
        .toFile(file);
      const box: UnitBox = [x0 / WIDTH, y0 / HEIGHT, x1 / WIDTH, y1 / HEIGHT];
      return {
        key,
        file,
        width: WIDTH,
        height: HEIGHT,
        classIndex: k % 2,
        box,
        values: { age: k, weight: 2 * k + 0.5 },
        split,
      };
    }),
  );
}

function checkedOf(samples: readonly Sample[], dir: string): CheckedDataset {
  const of = (split: SplitName) => samples.filter((s) => s.split === split);
  return {
    index: {
      format: 'csv',
      root: dir,
      source: join(dir, 'labels.csv'),
      classes: ['cat', 'dog'],
      hasBoxes: true,
      valueColumns: ['age', 'weight'],
      records: [],
      badRows: [],
    },
    targets: TARGETS,
    samples: { train: of('train'), validation: of('validation'), test: of('test') },
    badRows: [],
    objectChoice: 'largest',
    multiObjectImages: 0,
    splitFrom: 'data',
  };
}

/** The unit extent of the pixels at or above half brightness in channel 0 of image `b`. */
function brightExtent(
  images: Uint8Array,
  b: number,
  [height, width, channels]: ImageShape,
): number[] {
  const image = images.subarray(b * height * width * channels, (b + 1) * height * width * channels);
  let [left, top, right, bottom] = [width, height, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((image[(y * width + x) * channels] as number) < 128) continue;
      left = Math.min(left, x);
      right = Math.max(right, x + 1);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y + 1);
    }
  }
  return [left / width, top / height, right / width, bottom / height];
}

function expectBoxesMatchPixels(block: {
  size: number;
  images: Uint8Array;
  targets: Record<string, Int32Array | Float32Array>;
}) {
  const boxes = block.targets.box as Float32Array;
  for (let b = 0; b < block.size; b++) {
    const found = brightExtent(block.images, b, SHAPE);
    found.forEach((v, k) =>
      expect(Math.abs(v - (boxes[b * 4 + k] as number))).toBeLessThanOrEqual(1 / 16 + 1e-6),
    );
  }
}

const countingDecoder = () => {
  const counter = { decodes: 0 };
  const decode: DecodeImage = (...args) => {
    counter.decodes++;
    return decodeImage(...args);
  };
  return { counter, decode };
};

let dir = '';
let samples: Sample[] = [];
let checked: CheckedDataset;
const base: ImportedDataOptions = { imageShape: SHAPE, resize: 'letterbox', seed: 11 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-reader-'));
  samples = await writeImages(dir);
  checked = checkedOf(samples, dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createImportedData', () => {
  it('names the data, offers its targets and sizes each split', () => {
    const data = createImportedData(checked, base);
    expect(data.name).toBe('labels.csv');
    expect(data.imageShape).toEqual(SHAPE);
    expect(data.targets).toEqual(TARGETS);
    expect([data.splits.train.size, data.splits.validation.size, data.splits.test.size]).toEqual([
      5, 2, 1,
    ]);
  });

  it('builds a block in the order asked: images, classes, letterboxed boxes, numeric columns', async () => {
    const data = createImportedData(checked, base);
    const block = await data.splits.train.read([2, 0, 4]);
    expect(block.size).toBe(3);
    expect(block.images.length).toBe(3 * 16 * 16 * 3);
    expect(Object.keys(block.targets).sort()).toEqual(['age', 'box', 'class', 'values', 'weight']);
    expect([...(block.targets.class as Int32Array)]).toEqual([0, 0, 0]);
    const train = checked.samples.train;
    const expectedBoxes = [2, 0, 4].flatMap((i) =>
      applyBoxTransform(train[i]?.box as UnitBox, LETTERBOX),
    );
    (block.targets.box as Float32Array).forEach((v, k) =>
      expect(v).toBeCloseTo(expectedBoxes[k] as number, 6),
    );
    expectBoxesMatchPixels(block);
    expect([...(block.targets.age as Float32Array)]).toEqual([2, 0, 4]);
    expect([...(block.targets.weight as Float32Array)]).toEqual([4.5, 0.5, 8.5]);
    expect([...(block.targets.values as Float32Array)]).toEqual([2, 4.5, 0, 0.5, 4, 8.5]);
    // The padding rows above and below the image are black.
    expect(block.images.subarray(0, 16 * 2 * 3).every((v) => v === 0)).toBe(true);
    await data.close();
  });

  it('builds only the targets the dataset offers', async () => {
    const classOnly: CheckedDataset = { ...checked, targets: [TARGETS[0] as DatasetTarget] };
    const block = await createImportedData(classOnly, base).splits.validation.read([1, 0]);
    expect(Object.keys(block.targets)).toEqual(['class']);
    expect([...(block.targets.class as Int32Array)]).toEqual([0, 1]);
  });

  it('gives an empty block for no indices and refuses an index past the split', async () => {
    const data = createImportedData(checked, base);
    const block = await data.splits.test.read([]);
    expect(block.size).toBe(0);
    expect(block.images.length).toBe(0);
    expect((block.targets.box as Float32Array).length).toBe(0);
    await expect(data.splits.test.read([1])).rejects.toThrow(
      /test split has 1 images; there is no image 1/,
    );
  });

  it('skips and counts images deleted or corrupted after the check, with the reason', async () => {
    const own = await mkdtemp(join(tmpdir(), 'studio-reader-broken-'));
    try {
      const ownChecked = checkedOf(await writeImages(own), own);
      const data = createImportedData(ownChecked, base);
      await unlink(join(own, '1.png'));
      await writeFile(join(own, '3.png'), 'no longer an image');
      const block = await data.splits.train.read([0, 1, 2, 3, 4]);
      expect(block.size).toBe(3);
      expect(block.images.length).toBe(3 * 16 * 16 * 3);
      expect([...(block.targets.age as Float32Array)]).toEqual([0, 2, 4]);
      expect((block.targets.box as Float32Array).length).toBe(12);
      expectBoxesMatchPixels(block);
      expect(data.splits.train.unreadable()).toBe(2);
      // Counted each time they are left out, listed once.
      await data.splits.train.read([1, 3]);
      expect(data.splits.train.unreadable()).toBe(4);
      const listed = data.unreadableSamples();
      expect(listed.map((s) => s.key)).toEqual(['images/1.png', 'images/3.png']);
      expect(listed[0]).toMatchObject({
        split: 'train',
        reason: expect.stringMatching(/Input file is missing/),
      });
      expect(listed[1]?.reason).toMatch(/unsupported image format/);
      expect(data.splits.validation.unreadable()).toBe(0);
      await data.close();
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('decodes each image once with the cache and serves the same bytes again', async () => {
    const { counter, decode } = countingDecoder();
    const data = createImportedData(checked, { ...base, decode });
    const first = await data.splits.train.read([0, 1, 2, 3, 4]);
    const second = await data.splits.train.read([0, 1, 2, 3, 4]);
    expect(counter.decodes).toBe(5);
    expect(second.images).toEqual(first.images);
    expect(data.cacheStats()).toMatchObject({ memoryEntries: 5, memoryHits: 5 });
    await data.close();
    expect(data.cacheStats()).toMatchObject({ memoryEntries: 0 });

    const uncached = countingDecoder();
    const plain = createImportedData(checked, { ...base, cache: false, decode: uncached.decode });
    const third = await plain.splits.train.read([0, 1, 2, 3, 4]);
    await plain.splits.train.read([0, 1, 2, 3, 4]);
    expect(uncached.counter.decodes).toBe(10);
    expect(third.images).toEqual(first.images);
    expect(plain.cacheStats()).toBeUndefined();
  });

  it('spills past a small memory budget to a cache folder and still decodes each image once', async () => {
    const { counter, decode } = countingDecoder();
    const cacheDir = join(dir, 'cache');
    const data = createImportedData(checked, {
      ...base,
      decode,
      cacheDir,
      cacheBytes: 2 * 16 * 16 * 3,
    });
    const first = await data.splits.train.read([0, 1, 2, 3, 4]);
    await vi.waitFor(() => expect(data.cacheStats()?.diskEntries).toBe(3));
    const second = await data.splits.train.read([0, 1, 2, 3, 4]);
    expect(second.images).toEqual(first.images);
    expect(counter.decodes).toBe(5);
    expect(data.cacheStats()?.diskHits).toBeGreaterThan(0);
    await data.close();
  });

  describe('augmentation', () => {
    const augment = { flip: true, shift: 0.1, scale: 0.1, brightness: 0.1, contrast: 0.1 };
    const epochs = [
      [0, 1, 2, 3, 4],
      [3, 0, 4, 2, 1],
      [1, 4, 0, 3, 2],
    ];
    const readEpochs = async (options: ImportedDataOptions) => {
      const data = createImportedData(checked, options);
      const blocks = [];
      for (const order of epochs) {
        // Two batches per epoch, read together as the trainer's prefetch does.
        const [a, b] = await Promise.all([
          data.splits.train.read(order.slice(0, 3)),
          data.splits.train.read(order.slice(3)),
        ]);
        blocks.push(a, b);
      }
      await data.close();
      return blocks;
    };

    it('repeats the same augmented epochs for the same seed, whatever the concurrency', async () => {
      const a = await readEpochs({ ...base, augment, concurrency: 1 });
      const b = await readEpochs({ ...base, augment, concurrency: 4, cache: false });
      expect(b).toEqual(a);
      const other = await readEpochs({ ...base, augment, seed: 12 });
      expect(other).not.toEqual(a);
    });

    it('augments each read of a sample differently and keeps its box on it', async () => {
      const data = createImportedData(checked, {
        ...base,
        augment: { flip: true, shift: 0.15, scale: 0.15 },
      });
      const reads = [];
      for (let epoch = 0; epoch < 4; epoch++) {
        const block = await data.splits.train.read([0, 1, 2, 3, 4]);
        expectBoxesMatchPixels(block);
        reads.push(Buffer.from(block.images).toString('base64'));
      }
      expect(new Set(reads).size).toBe(4);
      await data.close();
    });

    it('leaves the validation and test splits as decoded', async () => {
      const data = createImportedData(checked, { ...base, augment });
      const plain = createImportedData(checked, base);
      for (const split of ['validation', 'test'] as const) {
        const indices = split === 'test' ? [0] : [0, 1];
        const first = await data.splits[split].read(indices);
        const again = await data.splits[split].read(indices);
        expect(again).toEqual(first);
        expect(first).toEqual(await plain.splits[split].read(indices));
      }
      const train = await data.splits.train.read([0, 1, 2, 3, 4]);
      expect(train.images).not.toEqual((await plain.splits.train.read([0, 1, 2, 3, 4])).images);
      await Promise.all([data.close(), plain.close()]);
    });
  });
});

describe('measureDecodeThroughput', () => {
  it('reads the training split for the time given and reports images per second', async () => {
    const result = await measureDecodeThroughput(checked, base, 0.2, 4);
    expect(result.images).toBeGreaterThan(0);
    expect(result.imagesPerSec).toBeGreaterThan(0);
    expect(result.seconds).toBeGreaterThanOrEqual(0.2);
    expect(result.unreadable).toBe(0);
  });
});
