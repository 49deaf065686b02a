import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, reloadDiscardingUnsaved, revealNode, waitForSteadyView } from './harness.ts';
import { laptopStudio } from './suite.ts';

/**
 * The studio as a newcomer meets it, second round: every head in view when a graph opens, a
 * results panel that follows the graph in the editor.
 */

const SHOTS = process.env.MTS_SHOTS ?? '/tmp/ux-shots';
const REFERENCE = 'Keras reference: digit class + bounding box';
const SHAPES = 'Shapes: class, box and colour';
const SIZES = [
  [1440, 900],
  [1280, 720],
] as const;

/** The heads wholly inside the canvas and clear of the minimap, of all the graph's heads. */
export async function headsInView(page: Page): Promise<{ heads: number; inView: number }> {
  return page.evaluate(() => {
    const pane = document.querySelector('.studio-flow .react-flow')?.getBoundingClientRect();
    const mini = document.querySelector('.react-flow__minimap')?.getBoundingClientRect();
    if (!pane) throw new Error('The canvas is not on the page.');
    const heads = [...document.querySelectorAll('.studio-node--head')].map((h) =>
      h.getBoundingClientRect(),
    );
    const inView = heads.filter((r) => {
      const within =
        r.left >= pane.left &&
        r.right <= pane.right &&
        r.top >= pane.top &&
        r.bottom <= pane.bottom;
      const underMinimap =
        mini !== undefined &&
        r.right > mini.left &&
        r.left < mini.right &&
        r.bottom > mini.top &&
        r.top < mini.bottom;
      return within && !underMinimap;
    });
    return { heads: heads.length, inView: inView.length };
  });
}

const zoomOf = async (page: Page) => {
  const transform = await page.locator('.react-flow__viewport').getAttribute('style');
  return Number(/scale\(([\d.]+)\)/.exec(transform ?? '')?.[1] ?? Number.NaN);
};

async function openTemplate(page: Page, label: string) {
  await page.getByTestId('template-select').selectOption({ label });
  await expect
    .poll(() => page.locator('.studio-toolbar').textContent())
    .toContain(label === SHAPES ? 'shapes-three-tasks' : 'keras-reference');
  await waitForSteadyView(page);
}

describe.skipIf(!hasChromium)(
  'The studio as a newcomer meets it, again',
  { timeout: 240_000 },
  () => {
    const studio = laptopStudio();

    for (const [width, height] of SIZES) {
      it(`opens every head of a multi-task graph in view at ${width}×${height}`, async () => {
        const { page } = studio();
        await mkdir(SHOTS, { recursive: true });
        await page.setViewportSize({ width, height });
        // As the app opens: the reference model as its file lays it out, left to right.
        await reloadDiscardingUnsaved(page);
        await waitForSteadyView(page);
        const opened = await headsInView(page);
        console.info(
          `opening at ${width}×${height}: ${opened.inView} of ${opened.heads} heads in view`,
        );
        expect(opened).toEqual({ heads: 2, inView: 2 });
        await page.screenshot({ path: join(SHOTS, `opening-${width}x${height}.png`) });
        for (const [label, heads, name] of [
          [REFERENCE, 2, 'reference'],
          [SHAPES, 3, 'shapes'],
        ] as const) {
          await openTemplate(page, label);
          const seen = await headsInView(page);
          console.info(
            `${name} at ${width}×${height}: ${seen.inView} of ${seen.heads} heads in view`,
          );
          expect(seen).toEqual({ heads, inView: heads });
          expect(await zoomOf(page)).toBeGreaterThanOrEqual(0.75);
          await page.screenshot({ path: join(SHOTS, `${name}-${width}x${height}.png`) });
        }
        // Fit view, after the user has panned to the Input, brings them back.
        await revealNode(page, 'image');
        await page.getByTestId('btn-fit').click();
        await waitForSteadyView(page);
        expect(await headsInView(page)).toEqual({ heads: 3, inView: 3 });
      });
    }

    it('keeps the panel small until a run is shown, and leaves the run behind with its graph', async () => {
      const { page } = studio();
      await page.setViewportSize({ width: 1440, height: 900 });
      const panel = page.locator('.studio-runs');
      const idle = (await panel.boundingBox())?.height ?? 0;
      expect(idle).toBeLessThan(900 * 0.32);
      await page.getByTestId('run-limit').fill('48');
      await page.getByTestId('run-epochs').fill('2');
      await page.getByTestId('run-epochs').press('Enter');
      await page.getByTestId('btn-start').click();
      await expect
        .poll(async () => (await panel.boundingBox())?.height ?? 0)
        .toBeGreaterThan(idle + 60);
      await page.getByTestId('run-status').waitFor();
      await page.screenshot({ path: join(SHOTS, 'run-in-progress-1440x900.png') });
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 150_000 })
        .toContain('Finished');
      await page.screenshot({ path: join(SHOTS, 'run-finished-1440x900.png') });
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.screenshot({ path: join(SHOTS, 'run-finished-1280x720.png') });
      expect(await page.getByTestId('btn-resume').count()).toBe(1);

      // Another graph: the finished run is listed, not shown; no Resume of a run of another graph.
      await openTemplate(page, REFERENCE);
      await expect.poll(() => page.getByTestId('run-status').count()).toBe(0);
      expect(await page.getByTestId('btn-resume').count()).toBe(0);
      expect(await page.getByTestId('run-item').count()).toBe(1);
      expect(await page.getByTestId('run-main').textContent()).toContain('Press Start');
      await page.setViewportSize({ width: 1440, height: 900 });
    });
  },
);
