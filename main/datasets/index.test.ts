import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_DATASETS,
  DatasetError,
  describeBuiltInDatasets,
  isBuiltInDataset,
  loadBuiltInDataset,
} from './index.ts';
import type { BuiltInDatasetName, BuiltInDatasetOptions, ImageShape } from './index.ts';

const valid: BuiltInDatasetOptions = { imageShape: [16, 16, 3], seed: 1, limit: 10 };

function errorOf(run: () => unknown): DatasetError {
  try {
    run();
  } catch (error) {
    if (error instanceof DatasetError) return error;
    throw error;
  }
  throw new Error('expected a DatasetError');
}

describe('built-in dataset registry', () => {
  it('lists and recognises the built-in datasets', () => {
    expect(BUILT_IN_DATASETS).toEqual([
      'digits',
      'multidigits',
      'shapes',
      'digits-scenes',
      'scenes',
      'shapes-scenes',
    ]);
    expect(isBuiltInDataset('digits')).toBe(true);
    expect(isBuiltInDataset('mnist')).toBe(false);
    const listing = describeBuiltInDatasets();
    expect(listing.map((info) => info.name)).toEqual([
      'digits',
      'multidigits',
      'shapes',
      'digits-scenes',
      'scenes',
      'shapes-scenes',
    ]);
    for (const info of listing) {
      expect(info.description.length).toBeGreaterThan(20);
      // A scene carries three maps per pixel: its set is kept smaller.
      expect(info.fullSize).toBe(info.name === 'scenes' ? 2_000 : 10_000);
    }
    expect(listing[0]?.targets.map((t) => t.kind)).toEqual(['class', 'box']);
    expect(listing[1]?.targets.map((t) => [t.name, t.kind])).toEqual([
      ['left', 'class'],
      ['right', 'class'],
    ]);
    expect(listing[2]?.targets.map((t) => t.kind).slice(0, 2)).toEqual(['class', 'box']);
    expect(listing[2]?.targets[2]).toEqual({
      name: 'colour',
      kind: 'numeric',
      columns: ['red', 'green', 'blue'],
    });
  });

  it('loads each dataset with the asked shape', () => {
    for (const name of BUILT_IN_DATASETS) {
      const dataset = loadBuiltInDataset(name, { ...valid, imageShape: [12, 20, 1] });
      expect(dataset.name).toBe(name);
      expect(dataset.imageShape).toEqual([12, 20, 1]);
      expect(dataset.splits.train.images.length).toBe(8 * 12 * 20);
    }
  });

  it('rejects bad options with a sentence naming the value', () => {
    const cases: [Partial<BuiltInDatasetOptions>, RegExp, string][] = [
      [{ seed: 1.5 }, /seed must be a whole number; got 1.5\./, 'E_DATASET_OPTION'],
      [{ imageShape: [16, 16, 2] }, /1 or 3 channels; got 2\./, 'E_DATASET_OPTION'],
      [
        { imageShape: [7, 16, 3] },
        /height must be a whole number from 8 to 512; got 7\./,
        'E_DATASET_OPTION',
      ],
      [{ imageShape: [16, 513, 3] }, /width .* got 513\./, 'E_DATASET_OPTION'],
      [
        { imageShape: [16, 16] as unknown as ImageShape },
        /\[height, width, channels\]; got \[16,16\]/,
        'E_DATASET_OPTION',
      ],
      [{ limit: 2 }, /--limit 2 is too few\./, 'E_DATASET_LIMIT'],
      [{ limit: 12.5 }, /--limit must be a whole number; got 12.5\./, 'E_DATASET_LIMIT'],
      [
        { limit: 10_001 },
        /has (10000|2000) samples; --limit 10001 is more than that\./,
        'E_DATASET_LIMIT',
      ],
      [
        { imageShape: [512, 512, 3], limit: undefined },
        /needs 7\.3 GiB .* pass --limit 2730 or fewer\./,
        'E_DATASET_TOO_LARGE',
      ],
    ];
    for (const name of BUILT_IN_DATASETS) {
      for (const [change, message, code] of cases) {
        // A scene's maps count too: 512×512 is too large at 2,000 samples (test below).
        if (name === 'scenes' && code === 'E_DATASET_TOO_LARGE') continue;
        const error = errorOf(() => loadBuiltInDataset(name, { ...valid, ...change }));
        // shapes holds a float32 mask per pixel beside its byte image.
        const expected =
          name === 'shapes' && code === 'E_DATASET_TOO_LARGE'
            ? /needs 17\.1 GiB .* pass --limit 1170 or fewer\./
            : message;
        expect(error.message).toMatch(expected);
        expect(error.code).toBe(code);
      }
    }
    const scenes = errorOf(() =>
      loadBuiltInDataset('scenes', { ...valid, imageShape: [512, 512, 3], limit: undefined }),
    );
    expect(scenes.message).toBe(
      'The scenes dataset at 512x512x3 needs 11.2 GiB for 2000 samples, more than the 2 GiB we hold in memory; pass --limit 356 or fewer.',
    );
    const unknown = errorOf(() => loadBuiltInDataset('cifar' as BuiltInDatasetName, valid));
    expect(unknown.message).toBe(
      'There is no built-in dataset called "cifar"; choose one of digits, multidigits, shapes, digits-scenes, scenes, shapes-scenes.',
    );
  });
});
