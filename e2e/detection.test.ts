import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS, hasChromium, trainFromPanel } from './harness.ts';
import { laptopStudio } from './suite.ts';

/** Detection as a user finds it: the template, digits-scenes, mAP charts, boxes in the gallery. */

const TEMPLATE = 'Find every digit: CenterNet on digits-scenes';

describe.skipIf(!hasChromium)('detection in the app', { timeout: 300_000 }, () => {
  const studio = laptopStudio();

  it('trains the detection template and draws every digit’s box under a score slider', async () => {
    const { page } = studio();
    await page.getByTestId('template-select').selectOption({ label: TEMPLATE });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(8);
    expect(await page.getByTestId('run-dataset').inputValue()).toBe('digits-scenes');
    await trainFromPanel(page, { limit: 60, epochs: 2 }, 200_000);
    for (const id of ['chart-objects-mAP50', 'chart-objects-mAP50_95']) {
      expect(await page.getByTestId(id).count(), id).toBe(1);
    }
    await expect.poll(() => page.getByTestId('per-class-ap').count()).toBe(1);
    await page.getByTestId('gallery').scrollIntoViewIfNeeded();
    const alt = await page
      .getByTestId('gallery-item')
      .first()
      .locator('canvas')
      .getAttribute('aria-label');
    expect(alt).toMatch(/^Validation sample 1\. \d objects · \d+ found/);
    const slider = page.getByTestId('score-threshold');
    expect(await slider.inputValue()).toBe('0.3');
    await slider.fill('0.05');
    await page.screenshot({ path: join(SCREENSHOTS, 'detection-run.png') });
    await page.getByTestId('detection-results').scrollIntoViewIfNeeded();
    await page
      .getByTestId('detection-results')
      .screenshot({ path: join(SCREENSHOTS, 'detection-results.png') });
  });
});
