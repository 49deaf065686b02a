import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../core/graph/load.ts';
import { tinyReferenceGraph } from '../main/engine/test-graphs.ts';
import { hasChromium, startStudio, type Studio } from './harness.ts';

/** How often a card's chart was drawn (RunLineChart's data-draws). */
const draws = (page: Page, testId: string) =>
  page.getByTestId(testId).locator('.run-line-chart').getAttribute('data-draws').then(Number);

describe.skipIf(!hasChromium)(
  'run charts while a run trains, in Chromium',
  { timeout: 240_000 },
  () => {
    let studio: Studio;

    beforeAll(async () => {
      studio = await startStudio();
      const tiny = tinyReferenceGraph();
      // Long enough to stop by hand; each epoch changes every per-epoch card.
      const file = join(studio.runsDir, 'long.graph.json');
      await writeFile(
        file,
        serializeGraphDocument({
          ...tiny,
          training: { ...tiny.training, epochs: 1000, limit: 120 },
        }),
      );
      await studio.page.getByTestId('file-input').setInputFiles(file);
    }, 240_000);

    afterAll(async () => {
      expect(studio?.pageErrors ?? []).toEqual([]);
      await studio?.close();
    });

    it('draws a card scrolled out of the run panel only when it comes back into view', async () => {
      const { page } = studio;
      await page.getByTestId('btn-start').click();
      await expect
        .poll(() => page.getByTestId('run-progress').textContent(), { timeout: 120_000 })
        .toMatch(/epoch [3-9]|epoch \d\d/);

      // The first per-epoch card goes out of view above: the panel scrolls it away by its height.
      const hidden = 'chart-total';
      const shown = 'chart-learning-rate';
      const fits = await page.evaluate(
        ({ hidden, shown }) => {
          const main = document.querySelector('[data-testid="run-main"]')!;
          const away = document.querySelector(`[data-testid="${hidden}"]`)!.getBoundingClientRect();
          main.scrollTop += away.bottom - main.getBoundingClientRect().top + 1;
          const view = main.getBoundingClientRect();
          const stays = document.querySelector(`[data-testid="${shown}"]`)!.getBoundingClientRect();
          return stays.top >= view.top && stays.bottom <= view.bottom;
        },
        { hidden, shown },
      );
      expect(fits, `${shown} is in view once ${hidden} is scrolled away`).toBe(true);

      // Once the card in view has drawn again, the one out of view knows it is out of view.
      const start = await draws(page, shown);
      await expect.poll(() => draws(page, shown), { timeout: 60_000 }).toBeGreaterThan(start);
      const away = await draws(page, hidden);
      // Three more epochs drawn in view: each changed the card out of view as well.
      await expect
        .poll(() => draws(page, shown), { timeout: 120_000 })
        .toBeGreaterThanOrEqual(start + 4);
      expect(await draws(page, hidden)).toBe(away);

      await page.getByTestId(hidden).scrollIntoViewIfNeeded();
      await expect.poll(() => draws(page, hidden), { timeout: 60_000 }).toBeGreaterThan(away);
      await page.getByTestId('btn-stop').click();
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 })
        .toContain('Stopped');
    });
  },
);
