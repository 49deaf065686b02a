/**
 * Training augmentation for the built-in datasets, held in memory: the imported datasets' own
 * box-preserving changes (`import/augment.ts`) applied to each block as it is read, seeded per
 * sample and read, so an epoch's images are the same whatever the batch order and on resume.
 */
import { storedWidth, taskSpec } from '../../core/tasks/registry.ts';
import { OBJECT_ROWS_SIZE } from '../../core/detection/object-rows.ts';
import {
  augmentRng,
  augmentSample,
  checkAugmentOptions,
  isAugmenting,
  moveBox,
  moveObjects,
  moveMap,
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
  // Maps over the image (masks, depth, normals) move with its pixels.
  const maps = data.targets.flatMap((t) => {
    const motion = taskSpec(t.kind).mapMotion;
    return motion ? [{ target: t, motion, size: storedWidth(t) }] : [];
  });
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
        const moves = out.moves;
        for (const name of moves.flipped || moves.affine ? objectTargets : []) {
          const rows = block.targets[name] as Float32Array;
          moveObjects(rows.subarray(b * OBJECT_ROWS_SIZE, (b + 1) * OBJECT_ROWS_SIZE), (box) =>
            moveBox(moves, box),
          );
        }
        for (const { target, motion, size } of maps) {
          const values = block.targets[target.name];
          if (!values) continue;
          const map = values.subarray(b * size, (b + 1) * size) as Float32Array;
          // A map has its own size (its target's), usually the image's.
          const { height: h, width: w } = target as unknown as { height: number; width: number };
          const channels = motion.channels(target as never);
          const moved = moveMap(map, [h, w, channels], out.moves, motion);
          if (moved !== map) map.set(moved);
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
