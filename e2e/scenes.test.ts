import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS, hasChromium, trainFromPanel } from './harness.ts';
import { laptopStudio } from './suite.ts';

/** Dense multi-task learning as a user finds it: the U-Net template on scenes, maps in the gallery. */

const TEMPLATE = 'Scenes: U-Net with mask, depth and normals';

describe.skipIf(!hasChromium)('Scenes in the app', { timeout: 300_000 }, () => {
  const studio = laptopStudio();

  it('opens scenes-unet, trains it and shows masks, depth and normals beside each image', async () => {
    const { page } = studio();
    await page.getByTestId('template-select').selectOption({ label: TEMPLATE });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(16);
    expect(await page.getByTestId('run-dataset').inputValue()).toBe('scenes');
    await trainFromPanel(page, { limit: 30, epochs: 1 }, 240_000);
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
    expect(await item.getByRole('img', { name: 'segmentation, predicted' }).count()).toBe(1);
    expect(await item.getByTestId('gallery-scale').textContent()).toMatch(/^0\d/);
    expect(await page.getByTestId('gallery-legend').textContent()).toBe(
      'floorwallboxspherecylinder',
    );
    const alt = await item.locator('canvas').first().getAttribute('aria-label');
    expect(alt).toMatch(/segmentation: pixels right \d+%/);
    expect(alt).toMatch(/depth: depth abs error \d/);
    expect(alt).toMatch(/normals: mean angle error \d+\.\d°/);
    await page.getByTestId('gallery').screenshot({ path: join(SCREENSHOTS, 'scenes-gallery.png') });
    await page.screenshot({ path: join(SCREENSHOTS, 'scenes-run.png'), fullPage: true });
  });
});
