/**
 * A CSV of images with a `mask` column (PNGs of class indices) and a `depth` column (16-bit PNGs
 * with a `depth_scale`, or .npy arrays): the maps are read, checked, fitted and padded as the
 * images are, and a bad cell is a bad row with its sentence.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { npy } from '../../export/npz.ts';
import { encodeSingleChannelPng } from '../png.ts';
import { checkIndex } from './check.ts';
import { readIndex } from './detect.ts';
import { createImportedData } from './reader.ts';
import { temporaryFolders } from './test-fixtures.ts';

const folders = temporaryFolders('studio-import-csv-maps-');
afterAll(() => folders.cleanup());

const [W, H] = [8, 6];
/** Pixel i's class: a left half of class 1, a right half of class 2, one ignored pixel. */
const MASK = Uint8Array.from({ length: W * H }, (_, i) => (i === 9 ? 255 : i % W < W / 2 ? 1 : 2));
/** Depth in units: 1000 + 10 per pixel, one pixel without depth. */
const UNITS = Uint16Array.from({ length: W * H }, (_, i) => (i === 3 ? 0 : 1000 + 10 * i));

const maskPng = (values: Uint8Array, width = W, height = H) =>
  encodeSingleChannelPng({ width, height, bitDepth: 8, colour: 3, values }, { filter: 1 });
const depthPng = (values: Uint16Array) =>
  encodeSingleChannelPng({ width: W, height: H, bitDepth: 16, colour: 0, values }, { filter: 2 });

async function writeLayout(rows: string[]): Promise<string> {
  const root = await folders.make();
  for (const sub of ['img', 'm', 'd']) await mkdir(join(root, sub));
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  for (const name of names) {
    await sharp(Buffer.alloc(W * H * 3, 90), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(join(root, 'img', `${name}.png`));
  }
  const files: [string, Uint8Array | string][] = [
    ['m/good.png', maskPng(MASK)],
    ['m/small.png', maskPng(new Uint8Array(12), 4, 3)],
    ['m/seven.png', maskPng(Uint8Array.from(MASK, (v, i) => (i === 20 ? 7 : v)))],
    ['m/text.png', 'not a picture'],
    ['d/mm.png', depthPng(UNITS)],
    ['d/metres.npy', npy({ shape: [H, W], values: Float32Array.from(UNITS, (v) => v / 1000) })],
    [
      'd/nan.npy',
      npy({ shape: [H, W], values: Float32Array.from(UNITS, (_, i) => (i === 9 ? NaN : 1)) }),
    ],
    [
      'd/below.npy',
      npy({ shape: [H, W], values: Float32Array.from(UNITS, (_, i) => (i === 10 ? -2 : 1)) }),
    ],
    ['d/three.npy', npy({ shape: [H, W, 3], values: new Float32Array(H * W * 3) })],
    ['classes.txt', 'background\nfloor\nwall\n'],
    ['data.csv', `path,mask,depth,depth_scale\n${rows.join('\n')}\n`],
  ];
  for (const [file, bytes] of files) await writeFile(join(root, file), bytes);
  return join(root, 'data.csv');
}

const GOOD = [
  'img/a.png,m/good.png,d/mm.png,0.001',
  'img/b.png,m/good.png,d/mm.png,0.0002',
  'img/c.png,m/good.png,d/metres.npy,',
];

describe('a CSV with mask and depth columns', () => {
  it('offers mask and depth targets and reads each map at its scale, fitted and padded like the image', async () => {
    const checked = await checkIndex(await readIndex(await writeLayout(GOOD)), {
      validationFraction: 0,
      testFraction: 0,
    });
    expect(checked.badRows).toEqual([]);
    expect(checked.targets).toEqual([
      { name: 'mask', kind: 'mask', classes: ['background', 'floor', 'wall'], height: H, width: W },
      { name: 'depth', kind: 'depth', height: H, width: W },
    ]);
    const read = async (imageShape: [number, number, 3], resize: 'stretch' | 'letterbox') =>
      createImportedData(checked, { imageShape, resize, seed: 1, cache: false }).splits.train.read(
        Int32Array.from([0, 1, 2]),
      );
    const same = await read([H, W, 3], 'stretch');
    expect(Array.from(same.targets.mask!.subarray(0, W * H))).toEqual(Array.from(MASK));
    const depth = same.targets.depth!;
    const metres = (scale: number) => Array.from(UNITS, (v) => Math.fround(v * scale));
    expect(Array.from(depth.subarray(0, W * H))).toEqual(metres(0.001));
    expect(Array.from(depth.subarray(W * H, 2 * W * H))).toEqual(metres(0.0002));
    expect(Array.from(depth.subarray(2 * W * H))).toEqual(
      Array.from(UNITS, (v) => Math.fround(v / 1000)),
    );
    // Letterboxed to 8×8, one row of padding above and below: no depth there, the mask ignored.
    const boxed = await read([W, W, 3], 'letterbox');
    const row = (values: Int32Array | Float32Array, y: number) =>
      Array.from(values.subarray(y * W, (y + 1) * W));
    expect(row(boxed.targets.depth!, 0)).toEqual(new Array(W).fill(0));
    expect(row(boxed.targets.depth!, W - 1)).toEqual(new Array(W).fill(0));
    expect(row(boxed.targets.mask!, 0)).toEqual(new Array(W).fill(255));
    expect(row(boxed.targets.depth!, 1)).toEqual(metres(0.001).slice(0, W));
    expect(row(boxed.targets.mask!, 1)).toEqual(Array.from(MASK.subarray(0, W)));
  });

  it('takes the import option for depth PNGs without a depth_scale cell', async () => {
    const csv = await writeLayout(['img/a.png,m/good.png,d/mm.png,']);
    const checked = await checkIndex(await readIndex(csv), { depthScale: 0.0002 });
    const sample = Object.values(checked.samples).flat()[0];
    expect(sample?.depth?.scale).toBe(0.0002);
  });

  it('makes each bad map a bad row with one sentence, keeping the good rows', async () => {
    const csv = await writeLayout([
      ...GOOD,
      'img/d.png,m/small.png,d/mm.png,0.001',
      'img/e.png,m/seven.png,d/mm.png,0.001',
      'img/f.png,m/text.png,d/mm.png,0.001',
      'img/g.png,m/good.png,d/nan.npy,',
      'img/h.png,m/good.png,d/below.npy,',
      'img/i.png,m/good.png,d/missing.png,0.001',
      'img/j.png,m/good.png,d/mm.png,a lot',
      'img/j.png,m/good.png,d/three.npy,',
    ]);
    const checked = await checkIndex(await readIndex(csv));
    const messages = checked.badRows.map((b) => b.message);
    expect(messages).toEqual([
      "Row 11 of data.csv has 'a lot' in column 'depth_scale', which is not a positive number of metres per unit; the row was skipped.",
      "The mask 'm/small.png' of 'img/d.png' is 4×3 pixels but its image is 8×6; the image was skipped.",
      "The mask 'm/seven.png' of 'img/e.png' has class index 7, beyond the 3 classes (0 to 2, 255 to ignore); the image was skipped.",
      expect.stringMatching(
        /^The mask 'm\/text\.png' of 'img\/f\.png' is not a readable image: .+; the image was skipped\.$/,
      ),
      "The depth map 'd/nan.npy' of 'img/g.png' has a depth of NaN at pixel (1, 1); mark a pixel without depth with 0; the image was skipped.",
      "The depth map 'd/below.npy' of 'img/h.png' has a negative depth -2 at pixel (2, 1); mark a pixel without depth with 0; the image was skipped.",
      "The depth map 'd/missing.png' of 'img/i.png' does not exist; the image was skipped.",
      "The depth map 'd/three.npy' of 'img/j.png' is an array of 6×8×3, not a height × width depth map; the image was skipped.",
    ]);
    expect(checked.badRows.map((b) => b.kind)).toEqual([
      'malformed',
      'size-mismatch',
      'unknown-class',
      'unreadable-image',
      'not-a-number',
      'not-a-number',
      'missing-file',
      'unreadable-image',
    ]);
    expect(
      Object.values(checked.samples)
        .flat()
        .map((s) => s.key)
        .sort(),
    ).toEqual(['img/a.png', 'img/b.png', 'img/c.png']);
  });

  it('reads a numeric depth column as a value to learn, not as depth maps', async () => {
    const root = await folders.make();
    await sharp(Buffer.alloc(W * H * 3, 90), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(join(root, 'a.png'));
    await writeFile(join(root, 'data.csv'), 'path,class,depth\na.png,sea,12.5\n');
    const checked = await checkIndex(await readIndex(join(root, 'data.csv')));
    expect(checked.targets.map((t) => [t.name, t.kind])).toEqual([
      ['class', 'class'],
      ['depth', 'numeric'],
    ]);
  });
});
