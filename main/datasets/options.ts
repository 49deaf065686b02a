/** Checks BuiltInDatasetOptions once, so that each loader can trust what it is given. */
import { DatasetError, showValue } from './errors.ts';
import type { BuiltInDatasetOptions } from './types.ts';

export const MIN_IMAGE_SIDE = 8;
export const MAX_IMAGE_SIDE = 512;
/** One sample per split. */
export const MIN_SAMPLES = 3;
/**
 * Images for all splits are held in memory at once; past this the typed arrays would either fail
 * with an opaque RangeError or starve training of memory, so we say so up front.
 */
export const MAX_IMAGE_BYTES = 2 * 1024 ** 3;

function checkSide(label: string, value: unknown): void {
  if (
    !Number.isInteger(value) ||
    (value as number) < MIN_IMAGE_SIDE ||
    (value as number) > MAX_IMAGE_SIDE
  ) {
    throw new DatasetError(
      'E_DATASET_OPTION',
      `The image ${label} must be a whole number from ${MIN_IMAGE_SIDE} to ${MAX_IMAGE_SIDE}; got ${showValue(value)}.`,
    );
  }
}

/** Throws a DatasetError for a bad seed or image shape. */
export function checkBuiltInOptions(options: BuiltInDatasetOptions): void {
  if (!Number.isSafeInteger(options.seed)) {
    throw new DatasetError(
      'E_DATASET_OPTION',
      `The seed must be a whole number; got ${showValue(options.seed)}.`,
    );
  }
  const shape: readonly unknown[] = Array.isArray(options.imageShape) ? options.imageShape : [];
  if (shape.length !== 3) {
    throw new DatasetError(
      'E_DATASET_OPTION',
      `The image shape must be [height, width, channels]; got ${showValue(options.imageShape)}.`,
    );
  }
  checkSide('height', shape[0]);
  checkSide('width', shape[1]);
  if (shape[2] !== 1 && shape[2] !== 3) {
    throw new DatasetError(
      'E_DATASET_OPTION',
      `The image must have 1 or 3 channels; got ${showValue(shape[2])}.`,
    );
  }
}

/**
 * Validates the options against a dataset and returns how many samples to generate: `limit` when
 * given, otherwise the dataset's full size. `targetBytesPerPixel` counts what a sample's targets
 * hold per pixel besides the image (a scene's mask, depth and normals: 5 float32 values).
 */
export function resolveSampleCount(
  datasetName: string,
  fullSize: number,
  options: BuiltInDatasetOptions,
  targetBytesPerPixel = 0,
): number {
  checkBuiltInOptions(options);
  const { limit } = options;
  if (limit !== undefined && !Number.isInteger(limit)) {
    throw new DatasetError(
      'E_DATASET_LIMIT',
      `The ${datasetName} dataset's --limit must be a whole number; got ${showValue(limit)}.`,
    );
  }
  if (limit !== undefined && limit < MIN_SAMPLES) {
    throw new DatasetError(
      'E_DATASET_LIMIT',
      `The ${datasetName} dataset needs at least ${MIN_SAMPLES} samples, one per split; --limit ${limit} is too few.`,
    );
  }
  if (limit !== undefined && limit > fullSize) {
    throw new DatasetError(
      'E_DATASET_LIMIT',
      `The ${datasetName} dataset has ${fullSize} samples; --limit ${limit} is more than that.`,
    );
  }
  const count = limit ?? fullSize;
  const [height, width, channels] = options.imageShape;
  const bytesPerImage = height * width * (channels + targetBytesPerPixel);
  if (count * bytesPerImage > MAX_IMAGE_BYTES) {
    const gibibytes = ((count * bytesPerImage) / 1024 ** 3).toFixed(1);
    throw new DatasetError(
      'E_DATASET_TOO_LARGE',
      `The ${datasetName} dataset at ${height}x${width}x${channels} needs ${gibibytes} GiB for ${count} samples, more than the 2 GiB we hold in memory; pass --limit ${Math.floor(MAX_IMAGE_BYTES / bytesPerImage)} or fewer.`,
    );
  }
  return count;
}
