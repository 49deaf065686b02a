/**
 * Training augmentation for the built-in datasets, held in memory: the imported datasets' own
 * box-preserving changes (`import/augment.ts`) applied to each block as it is read, seeded per
 * sample and read, so an epoch's images are the same whatever the batch order and on resume.
 */
import { taskSpec } from '../../core/tasks/registry.ts';
import { OBJECT_ROWS_SIZE } from '../../core/detection/object-rows.ts';
import {
  augmentRng,
  augmentSample,
  checkAugmentOptions,
  isAugmenting,
  moveBox,
  moveObjects,
} from './import/augment.ts';
import type { AugmentOptions, UnitBox } from './import/types.ts';
import type { SplitReader, TrainingData } from './types.ts';

/**
 * `reader` with every block augmented. The reader must return the samples it is asked for, all
 * of them and in order, as the in-memory readers do.
 */
export function augmentingReader(
  reader: SplitReader,
  data: Pick<TrainingData, 'imageShape' | 'targets'>,
  augment: AugmentOptions,
  seed: number,
): SplitReader {
  const [height, width, channels] = data.imageShape;
  const pixels = height * width * channels;
  const boxTarget = data.targets.find((t) => taskSpec(t.kind).movesWithImage === 'box')?.name;
  const objectTargets = data.targets
    .filter((t) => taskSpec(t.kind).movesWithImage === 'objects')
    .map((t) => t.name);
  const reads = new Uint32Array(reader.size);
  return {
    size: reader.size,
    unreadable: () => reader.unreadable(),
    resumeAt: (done) => reads.fill(done),
    async read(indices) {
      // Counted before the read resolves, so overlapping reads each get their own draw.
      const draws = Array.from(indices, (index) => (reads[index] as number)++);
      const block = await reader.read(indices);
      const boxes = boxTarget ? block.targets[boxTarget] : undefined;
      for (let b = 0; b < block.size; b++) {
        const image = block.images.subarray(b * pixels, (b + 1) * pixels);
        const box = boxes
          ? (Array.from(boxes.subarray(b * 4, b * 4 + 4)) as unknown as UnitBox)
          : undefined;
        const rng = augmentRng(seed, indices[b] as number, draws[b] as number);
        const out = augmentSample(image, data.imageShape, box, augment, rng);
        if (out.pixels !== image) image.set(out.pixels);
        if (boxes && out.box) boxes.set(out.box, b * 4);
        const geometry = out.geometry;
        for (const name of geometry ? objectTargets : []) {
          const rows = block.targets[name] as Float32Array;
          moveObjects(rows.subarray(b * OBJECT_ROWS_SIZE, (b + 1) * OBJECT_ROWS_SIZE), (box) =>
            moveBox(geometry!, box),
          );
        }
      }
      return block;
    },
  };
}

/** The data with its training split augmented, or as it is when the options change nothing. */
export function withTrainingAugmentation(
  data: TrainingData,
  augment: AugmentOptions | undefined,
  seed: number,
): TrainingData {
  if (!isAugmenting(augment)) return data;
  checkAugmentOptions(augment);
  return {
    ...data,
    splits: { ...data.splits, train: augmentingReader(data.splits.train, data, augment, seed) },
  };
}
