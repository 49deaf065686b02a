/**
 * Segmentation masks from files: palette and grey PNGs read as class indices, the folder and
 * Pascal VOC layouts, bad masks as bad rows, and masks fitted to the Input with the pixels.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { checkIndex } from './check.ts';
import { locateDataset, readIndex } from './detect.ts';
import { openImportedDataset } from './index.ts';
import { fixtureMask, indexPng, writeMaskedImage, writeVocSegmentation } from './mask-fixtures.ts';
import { fitMask, readMask } from './masks.ts';
import { formatSummary, summarizeDataset } from './summary.ts';
import { temporaryFolders } from './test-fixtures.ts';

const folders = temporaryFolders('studio-import-masks-');
afterAll(() => folders.cleanup());

describe('mask files', () => {
  it('read a palette PNG as its indices, whatever the row filters, and a grey PNG as its levels', async () => {
    const root = await folders.make();
    const values = Uint8Array.from({ length: 7 * 5 }, (_, i) => (i * 13) % 23);
    values[3] = 255;
    for (const filter of [0, 1, 2]) {
      await writeFile(join(root, `p${filter}.png`), indexPng(7, 5, values, filter));
      const mask = await readMask(join(root, `p${filter}.png`));
      expect([mask.width, mask.height]).toEqual([7, 5]);
      expect(Array.from(mask.values)).toEqual(Array.from(values));
    }
    await sharp(Buffer.from(values), { raw: { width: 7, height: 5, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(root, 'grey.png'));
    expect(Array.from((await readMask(join(root, 'grey.png'))).values)).toEqual(Array.from(values));
    await sharp(Buffer.alloc(7 * 5 * 3, 9), { raw: { width: 7, height: 5, channels: 3 } })
      .png()
      .toFile(join(root, 'colour.png'));
    await expect(readMask(join(root, 'colour.png'))).rejects.toThrow(
      'is a colour image (3 channels), not a PNG of class indices (grey or palette)',
    );
  });

  it('are fitted by nearest neighbour, never a blend, and letterbox padding is 255', () => {
    const mask = { width: 4, height: 2, values: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]) };
    const stretch = { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 };
    expect(Array.from(fitMask(mask, 2, 2, stretch))).toEqual([1, 3, 5, 7]);
    // A 4×2 image letterboxed into 4×4: rows 1 and 2 hold it, rows 0 and 3 are padding.
    const letterbox = { scaleX: 1, scaleY: 0.5, offsetX: 0, offsetY: 0.25 };
    expect(Array.from(fitMask(mask, 4, 4, letterbox))).toEqual([
      255, 255, 255, 255, 0, 1, 2, 3, 4, 5, 6, 7, 255, 255, 255, 255,
    ]);
  });
});

/** images/ + masks/ of `count` 12×10 images, class names in classes.txt when given. */
async function writeMaskFolder(root: string, count: number, classNames?: string[]) {
  await mkdir(join(root, 'images'), { recursive: true });
  await mkdir(join(root, 'masks'), { recursive: true });
  for (let n = 0; n < count; n++) {
    const mask = fixtureMask(n, 12, 10, 4);
    await writeMaskedImage(join(root, 'images', `m${n}.png`), mask, 12, 10);
    await writeFile(join(root, 'masks', `m${n}.png`), indexPng(12, 10, mask));
  }
  if (classNames) await writeFile(join(root, 'classes.txt'), classNames.join('\n'));
}

describe('an image folder with a masks folder', () => {
  it('offers a mask target named from classes.txt, and bad masks are bad rows naming the file', async () => {
    const root = await folders.make();
    await writeMaskFolder(root, 8, ['sky', 'red', 'green', 'blue']);
    await writeFile(join(root, 'masks', 'm1.png'), indexPng(6, 5, new Uint8Array(30)));
    await writeFile(join(root, 'masks', 'm2.png'), indexPng(12, 10, new Uint8Array(120).fill(7)));
    await writeFile(join(root, 'masks', 'm3.png'), Buffer.from('not a png'));
    await writeMaskedImage(join(root, 'images', 'lonely.png'), new Uint8Array(120), 12, 10);

    expect(await locateDataset(root)).toEqual({ format: 'folder', path: root });
    const checked = await checkIndex(await readIndex(root));
    expect(checked.targets).toEqual([
      {
        name: 'mask',
        kind: 'mask',
        classes: ['sky', 'red', 'green', 'blue'],
        height: 10,
        width: 12,
      },
    ]);
    const total = Object.values(checked.samples).reduce((n, s) => n + s.length, 0);
    expect(total).toBe(5);
    const messages = checked.badRows.map((b) => b.message).sort();
    expect(messages).toEqual([
      "'images/lonely.png' has no mask of the same name in 'masks/'; the image was skipped.",
      "The mask 'masks/m1.png' of 'images/m1.png' is 6×5 pixels but its image is 12×10; the image was skipped.",
      "The mask 'masks/m2.png' of 'images/m2.png' has class index 7, beyond the 4 classes (0 to 3, 255 to ignore); the image was skipped.",
      expect.stringMatching(
        /^The mask 'masks\/m3.png' of 'images\/m3.png' is not a readable image: .+; the image was skipped\.$/,
      ),
    ]);
  });

  it('names classes "class 0".. up to the largest index when nothing names them', async () => {
    const root = await folders.make();
    await writeMaskFolder(root, 3);
    const checked = await checkIndex(await readIndex(root));
    expect(checked.targets).toEqual([
      {
        name: 'mask',
        kind: 'mask',
        classes: ['class 0', 'class 1', 'class 2', 'class 3'],
        height: 10,
        width: 12,
      },
    ]);
  });
});

describe('a Pascal VOC segmentation folder', () => {
  it("gives VOC's 21 classes, its Segmentation splits and masks fitted to the Input with 255 padding", async () => {
    const root = await folders.make();
    const masks = await writeVocSegmentation(root, { images: 8 });
    expect(await locateDataset(root)).toEqual({ format: 'voc', path: root });
    const { data, checked } = await openImportedDataset(root, {
      imageShape: [12, 12, 3],
      seed: 1,
      options: undefined,
    });
    expect(checked.samples.train.map((s) => s.key)).toEqual(
      [0, 1, 2, 3, 4, 5].map((n) => `2007_00000${n}.png`),
    );
    expect(checked.samples.validation).toHaveLength(2);
    expect(data.targets).toEqual([
      expect.objectContaining({ name: 'mask', kind: 'mask', height: 12, width: 12 }),
    ]);
    expect(formatSummary(summarizeDataset(checked))).toContain(
      'Targets   mask (10×12 masks of 21 classes: background, aeroplane, bicycle',
    );

    const batch = await data.splits.train.read(Int32Array.from([0, 1]));
    const got = Array.from(batch.targets.mask ?? []);
    expect(got).toHaveLength(2 * 12 * 12);
    // 12×10 letterboxed into 12×12: one padding row above and below, the mask between as it is.
    for (const b of [0, 1]) {
      const one = got.slice(b * 144, (b + 1) * 144);
      expect(one.slice(0, 12)).toEqual(new Array(12).fill(255));
      expect(one.slice(132)).toEqual(new Array(12).fill(255));
      expect(one.slice(12, 132)).toEqual(Array.from(masks[b]!));
    }
    await data.close?.();
  });
});
