/** The shape of one image, in the order the pixels are stored (HWC). */
export type ImageShape = readonly [height: number, width: number, channels: number];

/** One task a dataset can train: what its target values mean. The editor shares the type. */
export type { DatasetTarget } from '../../core/dataset-target.ts';
import type { DatasetTarget } from '../../core/dataset-target.ts';

export type SplitName = 'train' | 'validation' | 'test';

export interface DatasetSplit {
  readonly size: number;
  /** size*h*w*c bytes, HWC order per image, 0..255 */
  readonly images: Uint8Array;
  /** per target name: class -> Int32Array(size) of class indices; box -> Float32Array(size*4) [xmin,ymin,xmax,ymax] normalised to [0,1] by width/height; numeric -> Float32Array(size*columns.length) */
  readonly targets: Readonly<Record<string, Int32Array | Float32Array>>;
}

export interface Dataset {
  readonly name: string;
  readonly description: string;
  readonly imageShape: ImageShape;
  readonly targets: readonly DatasetTarget[];
  readonly splits: Readonly<Record<SplitName, DatasetSplit>>;
}

export interface BuiltInDatasetOptions {
  readonly imageShape: ImageShape; // the graph's Input node decides; channels 1 or 3; height/width 8..512
  readonly seed: number; // integer; same seed + options => byte-identical dataset
  readonly limit?: number; // total samples across the three splits (quick runs); default = the dataset's full size
}

/**
 * A split that hands out samples on request, so a dataset larger than memory can train: the
 * built-in datasets answer from memory, imported ones decode image files. `read` returns the
 * samples at `indices` in that order as a block; a sample that cannot be read at that moment
 * (a file deleted or corrupted since the check) is left out of the block and counted in
 * `unreadable()`, so a block may be smaller than `indices`.
 */
export interface SplitReader {
  readonly size: number;
  read(indices: ArrayLike<number>): Promise<DatasetSplit>;
  /** Samples left out of blocks so far because they could not be read. */
  unreadable(): number;
  /**
   * A resumed run: every sample has been read this many times before (once an epoch), so its
   * next read is augmented as the one after them. Readers that do not augment have none.
   */
  resumeAt?(reads: number): void;
}

/** What the trainer and the evaluator consume: a dataset as three readers. */
export interface TrainingData {
  readonly name: string;
  readonly imageShape: ImageShape;
  readonly targets: readonly DatasetTarget[];
  readonly splits: Readonly<Record<SplitName, SplitReader>>;
  /** Frees caches, closes files. */
  close?(): Promise<void>;
}
