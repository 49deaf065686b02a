import { describe, expect, it } from 'vitest';
import {
  OBJECT_ROWS_SIZE,
  readObjectRows,
  writeObjectRows,
} from '../../core/detection/object-rows.ts';
import { asTrainingData } from '../engine/batches.ts';
import { withTrainingAugmentation } from './augmented-split.ts';
import { loadDigitsScenes } from './digits-scenes.ts';
import { affineBox, augmentRng, augmentSample, moveBox, moveObjects } from './import/augment.ts';

describe('objects under augmentation', () => {
  it('move every box with the image and drop those pushed out of it', () => {
    const rows = writeObjectRows([
      { classIndex: 1, box: [0.1, 0.1, 0.3, 0.3], ignore: false },
      { classIndex: 2, box: [0.6, 0.5, 0.9, 0.8], ignore: true },
      { classIndex: 3, box: [0.7, 0.1, 0.95, 0.2], ignore: false },
    ]).rows;
    // A shift of 0.5 to the left: the first object leaves the image, the second is clipped.
    moveObjects(rows, (b) => affineBox(b, { scale: 1, shiftX: -0.5, shiftY: 0 }));
    const moved = readObjectRows(rows);
    expect(moved.map((o) => [o.classIndex, o.ignore])).toEqual([
      [2, true],
      [3, false],
    ]);
    expect(moved[0]!.box.map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.5, 0.4, 0.8]);
    expect(moved[1]!.box.map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.1, 0.45, 0.2]);
  });

  it('give a sample’s move as the box it moved', () => {
    const image = new Uint8Array(16 * 16);
    const box = [0.2, 0.3, 0.5, 0.6] as const;
    const out = augmentSample(
      image,
      [16, 16, 1],
      box,
      { flip: true, shift: 0.2, scale: 0.2 },
      augmentRng(1, 2, 3),
    );
    expect(out.moves.flipped).toBeDefined();
    expect(moveBox(out.moves, box)).toEqual(out.box);
  });

  it('move digits-scenes’ objects when its training split is augmented', async () => {
    const data = loadDigitsScenes({ imageShape: [48, 48, 1], seed: 5, limit: 30 });
    const plain = data.splits.train.targets.digits!;
    const augmented = withTrainingAugmentation(asTrainingData(data), { flip: true, shift: 0.3 }, 9);
    const block = await augmented.splits.train.read(Int32Array.from({ length: 8 }, (_, i) => i));
    const rows = block.targets.digits!;
    let changed = 0;
    for (let i = 0; i < 8; i++) {
      const before = readObjectRows(plain, i * OBJECT_ROWS_SIZE);
      const after = readObjectRows(rows, i * OBJECT_ROWS_SIZE);
      expect(after.length).toBeLessThanOrEqual(before.length);
      for (const o of after) expect(o.box.every((v) => v >= 0 && v <= 1)).toBe(true);
      if (JSON.stringify(before) !== JSON.stringify(after)) changed += 1;
    }
    expect(changed).toBeGreaterThan(4);
  });
});
