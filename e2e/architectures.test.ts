import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS, hasChromium, nodeLocator, trainFromPanel } from './harness.ts';
import { laptopStudio } from './suite.ts';

/** A multi-task architecture beyond one shared trunk, as a user opens and trains it. */

const TEMPLATE = 'MMoE on MultiDigits: three shared experts, one gate per digit';

describe.skipIf(!hasChromium)('Multi-task architectures in the app', { timeout: 240_000 }, () => {
  const studio = laptopStudio();

  it('opens the MMoE template, trains it on multidigits and shows both digits’ charts', async () => {
    const { page } = studio();
    await page.getByTestId('template-select').selectOption({ label: TEMPLATE });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(24);
    // A gate reads what it gates on and the three experts: four inputs, each linked.
    const gate = nodeLocator(page, 'left_gate');
    expect(await gate.locator('.studio-handle--in').count()).toBe(4);
    expect(await gate.locator('.studio-handle--in').first().getAttribute('title')).toBe(
      'Input 1 (gate)',
    );
    // W [1440, 3] and b [3].
    expect(await gate.getByTestId('node-params').textContent()).toBe('4,323');
    expect(await page.getByTestId('run-dataset').inputValue()).toBe('multidigits');
    await trainFromPanel(page, { limit: 60, epochs: 1 }, 150_000);
    for (const id of ['chart-left-accuracy', 'chart-right-accuracy']) {
      expect(await page.getByTestId(id).count()).toBe(1);
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'mmoe-run.png') });
  });
});
