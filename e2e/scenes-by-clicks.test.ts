import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  SCREENSHOTS,
  clickNode,
  connectUntilLinked,
  dropFromPalette,
  hasChromium,
  reloadDiscardingUnsaved,
  trainFromPanel,
} from './harness.ts';
import { laptopStudio } from './suite.ts';

/**
 * Dense multi-task learning built by hand: a small U-Net with a skip and three per-pixel heads,
 * dropped and linked on an empty canvas, trained on scenes, with its maps and per-class IoU.
 */

const SCENE_CLASSES = ['floor', 'wall', 'box', 'sphere', 'cylinder'];

describe.skipIf(!hasChromium)('A U-Net built by clicks', { timeout: 900_000 }, () => {
  const studio = laptopStudio();

  it('trains on scenes and shows masks, depth, normals and the IoU of each class', async () => {
    const { page } = studio();
    await page.getByTestId('template-select').selectOption({ label: 'Empty canvas' });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(0);
    const layout: [string, number, number][] = [
      ['Input', 40, 30],
      ['Conv2D', 260, 30],
      ['MaxPooling2D', 480, 30],
      ['Conv2D', 700, 30],
      ['UpSampling2D', 40, 200],
      ['Concatenate', 260, 200],
      ['MaskHead', 480, 200],
      ['DepthHead', 700, 200],
      ['NormalsHead', 480, 340],
    ];
    for (const [kind, x, y] of layout) await dropFromPalette(page, kind, x, y);
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(9);
    // Scenes draws its maps at the input's size: 32×32 keeps the run short.
    await clickNode(page, 'input_1');
    for (const side of ['height', 'width']) await page.getByTestId(`param-${side}`).fill('32');
    await page.keyboard.press('Tab');
    // The scenes masks have five classes; the head starts with two.
    await clickNode(page, 'mask_head_1');
    await page.getByTestId('param-classes').fill('5');
    await page.keyboard.press('Tab');

    await connectUntilLinked(page, 'input_1', 'conv2d_1');
    await connectUntilLinked(page, 'conv2d_1', 'max_pooling2d_1');
    await connectUntilLinked(page, 'max_pooling2d_1', 'conv2d_2');
    await connectUntilLinked(page, 'conv2d_2', 'up_sampling2d_1');
    // The skip: the decoder's upsampled map beside the encoder's full-resolution one.
    await connectUntilLinked(page, 'up_sampling2d_1', 'concatenate_1', 'in0');
    await connectUntilLinked(page, 'conv2d_1', 'concatenate_1', 'in1');
    for (const head of ['mask_head_1', 'depth_head_1', 'normals_head_1']) {
      await connectUntilLinked(page, 'concatenate_1', head);
    }
    await page.getByTestId('run-dataset').selectOption('scenes');
    // The dataset's shapes reach the graph after it loads, which takes a while on a busy machine.
    await page.screenshot({ path: join(SCREENSHOTS, 'unet-built-by-clicks.png') });
    await expect
      .poll(() => page.getByTestId('problem-item').allTextContents(), { timeout: 60_000 })
      .toEqual([]);

    await trainFromPanel(page, { limit: 30, epochs: 1 }, 600_000);
    for (const id of [
      'chart-segmentation-meanClassIoU',
      'chart-depth-depthAbsError',
      'chart-normals-meanAngle',
    ]) {
      expect(await page.getByTestId(id).count(), id).toBe(1);
    }
    await page.getByTestId('gallery').scrollIntoViewIfNeeded();
    const item = page.getByTestId('gallery-item').first();
    const forms = await item
      .getByTestId('gallery-maps')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-form')));
    expect(forms).toEqual(['classes', 'scalar', 'rgb']);
    await page.getByTestId('gallery').screenshot({ path: join(SCREENSHOTS, 'unet-gallery.png') });

    const table = page.getByTestId('class-iou-table');
    await expectClassTable(page);
    await table.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'unet-class-iou.png') });

    // The table is kept in the run folder: the run opened again after a reload shows it too.
    await reloadDiscardingUnsaved(page);
    await page.getByTestId('earlier-run').first().getByTestId('btn-open-run').click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toContain('Finished');
    await expectClassTable(page);
  });
});

/** Five named rows whose IoUs (less the classes marked –) average to the mean IoU above them. */
async function expectClassTable(page: Page) {
  const table = page.getByTestId('class-iou-table');
  await expect.poll(() => table.locator('tbody tr').count()).toBe(5);
  const rows = await table
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
  expect(rows.map((r) => r[0])).toEqual(SCENE_CLASSES);
  for (const [, iou, pixels, share] of rows) {
    expect(iou).toMatch(/^(0\.\d{4}|1\.0000|–)$/);
    expect(pixels).toMatch(/^[\d,]+$/);
    expect(share).toMatch(/^\d+\.\d%$/);
  }
  const ious = rows.flatMap(([, iou]) => (iou === '–' ? [] : [Number(iou)]));
  const heading = await page.getByTestId('class-iou').locator('h3').textContent();
  const mean = Number(/test mean IoU (\d\.\d{3})/.exec(heading ?? '')?.[1]);
  expect(ious.reduce((a, b) => a + b, 0) / ious.length).toBeCloseTo(mean, 2);
}
