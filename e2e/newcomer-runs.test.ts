import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, nodeLocator, SCREENSHOTS } from './harness.ts';
import { laptopStudio } from './suite.ts';

/**
 * Runs as a newcomer compares them: named after the file, renamed, charts per task in a colour
 * per run, the settings that differ side by side, the gallery with colours and alt text, the
 * accessible names; and work and run names that survive a reload.
 */

const SHAPES = 'Shapes: class, box and colour';

async function train(page: Page) {
  await page.getByTestId('btn-start').click();
  await expect
    .poll(() => page.getByTestId('run-status').textContent(), { timeout: 150_000 })
    .toContain('Finished');
}

async function setField(page: Page, testId: string, value: string) {
  await page.getByTestId(testId).fill(value);
  await page.getByTestId(testId).press('Enter');
}

describe.skipIf(!hasChromium)('Runs a newcomer can tell apart', { timeout: 240_000 }, () => {
  const studio = laptopStudio();

  it('keeps unsaved work over a reload and offers it back; Save As asks in the app', async () => {
    const { page } = studio();
    await page.getByTestId('template-select').selectOption({ label: SHAPES });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(16);
    await setField(page, 'run-limit', '48');
    await setField(page, 'run-epochs', '2');
    await expect.poll(() => page.getByTestId('file-dirty').count()).toBe(1);
    // The autosave follows a second after the last edit.
    await page.waitForTimeout(1500);
    await page.reload();
    await page.getByTestId('restore-dialog').waitFor();
    expect(await page.getByTestId('restore-dialog').textContent()).toContain(
      'Multitask Studio closed before shapes-three-tasks.graph.json was saved.',
    );
    await page.getByTestId('restore-confirm').click();
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(16);
    expect(await page.getByTestId('run-limit').inputValue()).toBe('48');
    expect(await page.getByTestId('file-dirty').count()).toBe(1);

    await page.getByTestId('btn-save-as').click();
    await page.getByTestId('save-as-name').fill('my shapes');
    const download = page.waitForEvent('download');
    await page.getByTestId('save-as-confirm').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('my shapes.graph.json');
    const saved = join(studio().runsDir, 'saved.graph.json');
    await file.saveAs(saved);
    expect(JSON.parse(await readFile(saved, 'utf8'))).toMatchObject({ training: { limit: 48 } });
    await expect.poll(() => page.getByTestId('file-dirty').count()).toBe(0);
    // Saved: nothing is offered back after the next reload.
    await page.reload();
    await page.locator('.react-flow__node').first().waitFor();
    await page.waitForTimeout(500);
    expect(await page.getByTestId('restore-dialog').count()).toBe(0);
    await page.getByTestId('file-input').setInputFiles(saved);
    await expect.poll(() => page.getByTestId('run-limit').inputValue()).toBe('48');
  });

  it('names runs after the file, compares them per task in a colour each, side by side', async () => {
    const { page } = studio();
    await train(page);
    await setField(page, 'run-learning-rate', '0.01');
    await train(page);
    const items = page.getByTestId('run-item');
    await expect.poll(() => items.count()).toBe(2);
    const labels = await page.locator('.run-item-label').allTextContents();
    expect(labels).toEqual(['saved · run 2', 'saved · run 1']);

    // One card per task quantity; compare draws the other run in its own colour.
    for (const id of [
      'chart-total',
      'chart-shape-loss',
      'chart-shape-accuracy',
      'chart-colour-mae',
    ]) {
      // The cards of a run that just finished may still be drawing on a busy machine.
      await expect.poll(() => page.getByTestId(id).count()).toBe(1);
    }
    await items.nth(1).getByRole('checkbox').check();
    await expect
      .poll(() => page.getByTestId('runs-legend-item').allTextContents())
      .toEqual(['saved · run 2 (shown)', 'saved · run 1']);
    // The card draws the compared run on its turn (redraw-queue.ts).
    await expect
      .poll(
        () =>
          page
            .getByTestId('chart-shape-loss')
            .locator('.recharts-line-curve')
            .evaluateAll((paths) => [...new Set(paths.map((p) => p.getAttribute('stroke')))]),
        { timeout: 30_000 },
      )
      .toHaveLength(2);
    // Axes say what they measure.
    const loss = await page.getByTestId('chart-shape-loss').textContent();
    expect(loss).toContain('epoch');
    expect(loss).toContain('loss');
    await page.getByTestId('toggle-normalised').check();
    await expect
      .poll(() => page.getByTestId('chart-batch-loss').textContent())
      .toContain('loss ÷ first');

    const table = page.getByTestId('runs-table');
    await expect.poll(() => table.getByTestId('runs-table-row').count()).toBe(2);
    const header = await table.locator('thead').textContent();
    expect(header).toContain('learning rate');
    expect(header).not.toContain('batch size');
    expect(await table.textContent()).toMatch(/saved · run 2\s*0\.01/);

    await page.getByTestId('btn-rename-run').first().click();
    await page.getByTestId('run-rename-input').fill('faster rate');
    await page.getByTestId('run-rename-input').press('Enter');
    await expect
      .poll(() => page.locator('.run-item-label').first().textContent())
      .toBe('faster rate');
    expect(await page.getByTestId('runs-legend-item').first().textContent()).toContain(
      'faster rate',
    );
    await page.getByTestId('btn-results-view').click();
    await page.screenshot({ path: join(SCREENSHOTS, 'newcomer-runs-compared.png') });
    await page.getByTestId('btn-results-view').click();
  });

  it('shows colours as swatches and describes each sample', async () => {
    const { page } = studio();
    await page.getByTestId('gallery').scrollIntoViewIfNeeded();
    expect(await page.getByTestId('gallery-swatches').count()).toBeGreaterThan(0);
    const alt = await page
      .getByTestId('gallery-item')
      .first()
      .locator('canvas')
      .getAttribute('aria-label');
    expect(alt).toMatch(/^Validation sample 1\. shape: true \w+ · predicted \w+/);
    expect(alt).toContain('colour: true');
  });

  it('names every control a screen reader meets', async () => {
    const { page } = studio();
    const snapshot = await page.locator('body').ariaSnapshot();
    expect(snapshot).toContain('button "Keyboard shortcuts"');
    expect(snapshot).toMatch(/checkbox "Compare saved · run 1 with the shown run"/);
    expect(snapshot).toContain('button "Export the model of faster rate"');
    expect(snapshot).toContain('button "Rename saved · run 1"');
    expect(snapshot.match(/button "Fit view/gi) ?? []).toHaveLength(1);
    expect(snapshot).toMatch(
      /application "shape · loss per epoch; the arrow keys read the values"/,
    );
    expect(snapshot).toContain('separator "Resize the training panel"');
    expect(snapshot).toMatch(/img "Validation sample 1\./);
    // No unnamed tab stop among the charts.
    expect(snapshot).not.toMatch(/- application\s*$/m);
    await nodeLocator(page, 'image').count();
  });

  it('keeps the names runs were given over a reload, in their run.json', async () => {
    const { page, runsDir } = studio();
    const kept = await Promise.all(
      (await readdir(runsDir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map(
          async (entry) =>
            (
              JSON.parse(await readFile(join(runsDir, entry.name, 'run.json'), 'utf8')) as {
                name?: string;
              }
            ).name,
        ),
    );
    expect(kept.sort()).toEqual(['faster rate', 'saved · run 1']);
    await page.reload();
    await page.locator('.react-flow__node').first().waitFor();
    // The runs of the last session are earlier runs now, under the names they had.
    await expect
      .poll(() => page.getByTestId('earlier-run').locator('.run-item-label').allTextContents())
      .toEqual(['faster rate', 'saved · run 1']);
  });
});
