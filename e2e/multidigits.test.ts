import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS, hasChromium, trainFromPanel } from './harness.ts';
import { laptopStudio } from './suite.ts';

/** The MultiMNIST benchmark as a user finds it: a template, a built-in dataset, both digits shown. */

const TEMPLATE = 'MultiLeNet on MultiDigits: left and right digit';

describe.skipIf(!hasChromium)('MultiDigits in the app', { timeout: 240_000 }, () => {
  const studio = laptopStudio();

  it('opens the MultiLeNet template on multidigits, trains it and shows both digits', async () => {
    const { page } = studio();
    await page.getByTestId('template-select').selectOption({ label: TEMPLATE });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(16);
    const dataset = page.getByTestId('run-dataset');
    expect(await dataset.inputValue()).toBe('multidigits');
    expect(await dataset.locator('option').allTextContents()).toEqual(
      expect.arrayContaining(['digits', 'multidigits', 'shapes']),
    );
    await trainFromPanel(page, { limit: 60, epochs: 1 }, 150_000);
    for (const id of ['chart-left-accuracy', 'chart-right-accuracy']) {
      expect(await page.getByTestId(id).count()).toBe(1);
    }
    await page.getByTestId('gallery').scrollIntoViewIfNeeded();
    const alt = await page
      .getByTestId('gallery-item')
      .first()
      .locator('canvas')
      .getAttribute('aria-label');
    expect(alt).toMatch(/^Validation sample 1\. left: true \d · predicted \d/);
    expect(alt).toMatch(/right: true \d · predicted \d/);
    await page.screenshot({ path: join(SCREENSHOTS, 'multidigits-run.png') });
  });
});
