import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { nodeLocator } from './harness.ts';

/**
 * Steps a user takes in the studio, the same in a browser (studio.test.ts) and in the desktop
 * app (desktop.test.ts): only how files are opened and saved differs between the two.
 */

/** The studio starts with the reference model, every node showing its shape and parameters. */
export async function expectReferenceModel(page: Page): Promise<void> {
  await expect.poll(() => page.getByTestId('studio-node').count()).toBe(11);
  await expect
    .poll(() => nodeLocator(page, 'pool2').getByTestId('node-shape').textContent())
    .toBe('[16, 16, 64]');
  expect(await nodeLocator(page, 'box_dense').getByTestId('node-params').textContent()).toBe(
    '4,194,560',
  );
}

/**
 * Trains the open graph (the two-task tiny graph) to the end and checks a loss series per task,
 * the results table and the sample gallery.
 */
export async function trainAndExpectSeriesPerTask(page: Page): Promise<void> {
  await page.getByTestId('btn-start').click();
  await expect
    .poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 })
    .toContain('Finished');
  const legend = await page
    .getByTestId('chart-batch-loss')
    .locator('.recharts-legend-item-text')
    .allTextContents();
  expect(legend.join(' ')).toContain('class');
  expect(legend.join(' ')).toContain('box');
  await expect
    .poll(() => page.getByTestId('results-table').textContent())
    .toMatch(/class[\s\S]*box/);
  expect(await page.getByTestId('gallery-item').count()).toBeGreaterThan(0);
}
