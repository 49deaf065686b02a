import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../core/graph/load.ts';
import { tinyReferenceGraph } from '../main/engine/test-graphs.ts';
import { hasChromium, SCREENSHOTS, startStudio, type Studio } from './harness.ts';

describe.skipIf(!hasChromium)(
  'best epoch, early stopping and resume in Chromium',
  { timeout: 240_000 },
  () => {
    let studio: Studio;
    let graphFile: string;

    beforeAll(async () => {
      studio = await startStudio();
      const graph = tinyReferenceGraph();
      // No epoch can beat the first by more than 1 in accuracy: the run stops early at epoch 2.
      graph.training = {
        ...graph.training,
        epochs: 6,
        limit: 60,
        earlyStopping: {
          ...graph.training.earlyStopping,
          enabled: true,
          patience: 0,
          monitor: 'class.accuracy',
          minDelta: 1,
        },
      };
      graphFile = join(studio.runsDir, 'early.graph.json');
      await writeFile(graphFile, serializeGraphDocument(graph));
    }, 240_000);

    afterAll(async () => {
      expect(studio?.pageErrors ?? []).toEqual([]);
      await studio?.close();
    });

    it('stops early, marks the best epoch on the charts, and Resume continues the run', async () => {
      const { page } = studio;
      await page.getByTestId('file-input').setInputFiles(graphFile);
      await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('early');
      // The settings are the graph's, shown in the run panel's folded section.
      await page.getByTestId('run-training-controls').locator('summary').click();
      expect(await page.getByTestId('run-early-stopping').isChecked()).toBe(true);
      expect(await page.getByTestId('run-monitor').inputValue()).toBe('class.accuracy');

      await page.getByTestId('btn-start').click();
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 })
        .toContain('Finished');
      await expect
        .poll(() => page.getByTestId('run-end-reason').textContent())
        .toContain(
          'Stopped early at epoch 2: validation class.accuracy did not improve for 1 epoch; best epoch 1 restored',
        );
      await expect.poll(() => page.locator('.best-epoch-marker').count()).toBeGreaterThan(0);
      await expect.poll(() => page.getByTestId('chart-learning-rate').count()).toBe(1);
      await page.screenshot({ path: join(SCREENSHOTS, 'best-epoch.png') });

      await page.getByTestId('resume-epochs').fill('3');
      await page.getByTestId('btn-resume').click();
      await expect
        .poll(
          () =>
            page
              .getByTestId('run-end-reason')
              .textContent({ timeout: 1000 })
              .catch(() => ''),
          {
            timeout: 120_000,
          },
        )
        .toContain('Stopped early at epoch 3');
      expect(await page.getByTestId('run-status').textContent()).toContain('Finished');
      await page.screenshot({ path: join(SCREENSHOTS, 'resumed.png') });
    });
  },
);
