import { describe, expect, it } from 'vitest';
import type { DatasetSplit, SplitReader } from '../datasets/types.ts';
import { asTrainingData, batchIndices, memoryReader, prefetchBlocks } from './batches.ts';

/** Four 1×1×2 images whose pixels and targets say which sample they are. */
const split: DatasetSplit = {
  size: 4,
  images: Uint8Array.from([0, 1, 10, 11, 20, 21, 30, 31]),
  targets: {
    class: Int32Array.from([0, 1, 2, 3]),
    box: Float32Array.from({ length: 16 }, (_, i) => i / 100),
  },
};

describe('memoryReader', () => {
  it('gathers the samples at the indices in their order', async () => {
    const block = await memoryReader(split).read([2, 0]);
    expect(block.size).toBe(2);
    expect(Array.from(block.images)).toEqual([20, 21, 0, 1]);
    expect(Array.from(block.targets.class as Int32Array)).toEqual([2, 0]);
    expect(Array.from(block.targets.box as Float32Array)).toEqual(
      [0.08, 0.09, 0.1, 0.11, 0, 0.01, 0.02, 0.03].map(Math.fround),
    );
    expect(block.targets.class).toBeInstanceOf(Int32Array);
  });

  it('wraps a dataset in memory as training data and leaves readers as they are', () => {
    const dataset = {
      name: 'tiny',
      description: '',
      imageShape: [1, 1, 2] as const,
      targets: [],
      splits: { train: split, validation: split, test: split },
    };
    const data = asTrainingData(dataset);
    expect(data.splits.train.size).toBe(4);
    expect(asTrainingData(data)).toBe(data);
  });
});

describe('prefetchBlocks', () => {
  it('reads ahead of the consumer, at most `depth` blocks, and yields them in order', async () => {
    const started: number[] = [];
    const release: (() => void)[] = [];
    const reader: SplitReader = {
      size: 4,
      unreadable: () => 0,
      read: (indices) => {
        started.push(indices[0] as number);
        return new Promise((resolve) =>
          release.push(() =>
            resolve({ size: indices.length, images: new Uint8Array(0), targets: {} }),
          ),
        );
      },
    };
    const order = Int32Array.from([0, 1, 2, 3]);
    const blocks = prefetchBlocks(reader, batchIndices(order, 1), 2);
    const first = blocks.next();
    await Promise.resolve();
    expect(started).toEqual([0, 1]); // two reads in flight before the first is consumed
    release[0]?.();
    expect((await first).value?.size).toBe(1);
    expect(started).toEqual([0, 1, 2]);
    release[1]?.();
    release[2]?.();
    await blocks.next();
    await blocks.next();
    release[3]?.();
    expect((await blocks.next()).done).toBe(false);
    expect((await blocks.next()).done).toBe(true);
  });

  it('rejects with the read error when the failing block comes up', async () => {
    const reader: SplitReader = {
      size: 2,
      unreadable: () => 0,
      read: (indices) =>
        indices[0] === 1
          ? Promise.reject(new Error('disk gone'))
          : Promise.resolve({ size: 1, images: new Uint8Array(0), targets: {} }),
    };
    const blocks = prefetchBlocks(reader, batchIndices(Int32Array.from([0, 1]), 1));
    expect((await blocks.next()).done).toBe(false);
    await expect(blocks.next()).rejects.toThrow('disk gone');
  });
});
