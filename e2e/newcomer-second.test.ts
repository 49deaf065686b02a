import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  hasChromium,
  headsInView,
  reloadDiscardingUnsaved,
  revealNode,
  waitForSteadyView,
} from './harness.ts';
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
      // The dataset's description comes with its name, before the balancing method's own words.
      expect(await page.getByTestId('run-dataset-description').textContent()).toMatch(
        /^Dataset shapes: /,
      );
      const describedFirst = await page.evaluate(() => {
        const dataset = document.querySelector('[data-testid="run-dataset-description"]');
        const method = document.querySelector('[data-testid="run-balancing-explain"]');
        return !!dataset && !!method && (dataset.compareDocumentPosition(method) & 4) !== 0;
      });
      expect(describedFirst).toBe(true);
      await page.getByTestId('run-limit').fill('48');
      await page.getByTestId('run-epochs').fill('3');
      await page.getByTestId('run-epochs').press('Enter');
      const pressed = Date.now();
      await page.getByTestId('btn-start').click();
      await expect
        .poll(async () => (await panel.boundingBox())?.height ?? 0)
        .toBeGreaterThan(idle + 60);
      // What a starting run is doing is said, in the bar that never scrolls away.
      const bar = page.locator('.run-bar').getByTestId('run-progress');
      await expect.poll(() => bar.textContent()).toContain('loading the dataset');
      const firstTitle = await page
        .getByTestId('chart-batch-loss')
        .locator('.run-chart-title')
        .textContent();
      // How long it said so: short once the spare training process (run-supervisor.test.ts)
      // has loaded TensorFlow.js and started the backend; this machine's load decides the rest.
      await expect.poll(() => bar.textContent(), { timeout: 60_000 }).toMatch(/batch \d+/);
      console.info(`Start to the first batch: ${((Date.now() - pressed) / 1000).toFixed(1)} s`);
      await page.getByTestId('run-side').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      expect(await bar.isVisible()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'run-in-progress-1440x900.png') });
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 150_000 })
        .toContain('Finished');
      await page.screenshot({ path: join(SHOTS, 'run-finished-1440x900.png') });
      // The first card's title did not change under the user when epochs came.
      expect(
        await page.getByTestId('chart-batch-loss').locator('.run-chart-title').textContent(),
      ).toBe(firstTitle);
      // Balancing charts say what they show and what good looks like; their titles are whole.
      const norm = page.getByTestId('chart-grad-norm').locator('figcaption');
      expect(await norm.getAttribute('title')).toMatch(
        /^Gradient norm on the trunk: how hard each task pulls/,
      );
      expect(
        await page.getByTestId('chart-cosine').locator('figcaption').getAttribute('title'),
      ).toContain('above 0 is good');
      expect(await page.locator('.run-chart-help').count()).toBeGreaterThanOrEqual(3);
      for (const id of ['chart-grad-norm', 'chart-cosine', 'chart-weights']) {
        const cut = await page
          .getByTestId(id)
          .locator('.run-chart-title')
          .evaluate((el) => el.scrollWidth > el.clientWidth);
        expect(cut, `${id} title cut`).toBe(false);
      }
      // Labels inside the plots: the best epoch's whole, and no axis label over the ticks.
      const markers = await page.locator('.run-chart svg.recharts-surface').evaluateAll((svgs) =>
        svgs.flatMap((svg) => {
          const frame = svg.getBoundingClientRect();
          return [...svg.querySelectorAll('text')]
            .filter((t) => /^best/.test(t.textContent ?? ''))
            .map((t) => {
              const box = t.getBoundingClientRect();
              return {
                label: t.textContent ?? '',
                inside: box.right <= frame.right + 0.5 && box.left >= frame.left - 0.5,
              };
            });
        }),
      );
      console.info(`best-epoch labels: ${[...new Set(markers.map((m) => m.label))].join(', ')}`);
      expect(markers.length).toBeGreaterThan(0);
      expect(markers.filter((m) => !m.inside || !/^best \d+$/.test(m.label))).toEqual([]);
      if ((await page.getByTestId('chart-learning-rate').count()) > 0) {
        expect(
          await page
            .getByTestId('chart-learning-rate')
            .locator('.recharts-label')
            .allTextContents(),
        ).not.toContain('rate');
      }
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

    it('can be driven and learned from the keyboard', async () => {
      const { page } = studio();
      await page.setViewportSize({ width: 1280, height: 720 });
      await openTemplate(page, SHAPES);
      await page.keyboard.press('?');
      const dialog = page.getByTestId('shortcuts-dialog');
      for (const text of ['Start training', 'Ctrl+Enter', 'Stop training', 'Shift+Enter', 'Tab']) {
        expect(await dialog.textContent()).toContain(text);
      }
      await page.keyboard.press('Escape');

      // Tab goes from the palette to the nodes (not through every link first); each node it
      // reaches is shown whole, with a ring.
      await page.locator('.studio-palette').locator('button, [tabindex="0"]').last().focus();
      const seen: string[] = [];
      for (let i = 0; i < 16; i++) {
        await page.keyboard.press('Tab');
        await waitForSteadyView(page);
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          const pane = document.querySelector('.studio-flow .react-flow')?.getBoundingClientRect();
          const r = el?.getBoundingClientRect();
          const face = el?.querySelector('.studio-node');
          return {
            id: el?.classList.contains('react-flow__node') ? (el.dataset.id ?? '') : el?.className,
            whole:
              !!pane &&
              !!r &&
              r.left >= pane.left &&
              r.right <= pane.right &&
              r.top >= pane.top &&
              r.bottom <= pane.bottom,
            ring: face ? getComputedStyle(face).outlineStyle : 'none',
          };
        });
        expect(focused, `Tab ${i + 1}`).toMatchObject({ whole: true, ring: 'solid' });
        seen.push(String(focused.id));
      }
      expect(new Set(seen).size).toBe(16);

      // Select all, Delete: the canvas empties, and says how to get it back.
      await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
      await page.keyboard.press('Control+a');
      await page.keyboard.press('Delete');
      await expect.poll(() => page.getByTestId('studio-node').count()).toBe(0);
      expect(await page.getByTestId('notice').textContent()).toContain(
        'Deleted all 16 nodes; Ctrl+Z brings them back.',
      );
      // A hint, not an error: in the accent colour, and it goes by itself.
      expect(await page.getByTestId('notice').getAttribute('role')).toBe('status');
      await expect.poll(() => page.getByTestId('notice').count(), { timeout: 15_000 }).toBe(0);
      await page.keyboard.press('Control+z');
      await expect.poll(() => page.getByTestId('studio-node').count()).toBe(16);

      // Ctrl+Enter starts a run in the browser too, Ctrl+. stops it.
      await page.getByTestId('run-limit').fill('48');
      await page.getByTestId('run-limit').press('Enter');
      await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
      await page.keyboard.press('Control+Enter');
      await expect.poll(() => page.getByTestId('run-status').count()).toBe(1);
      await page.keyboard.press('Control+.');
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 })
        .toMatch(/Stopped|Finished/);
      await page.setViewportSize({ width: 1440, height: 900 });
    });

    it('reads YOLO labels that touch the edge without a false alarm; opens a run’s graph as unsaved work', async () => {
      const { page } = studio();
      const dir = await mkdtemp(join(tmpdir(), 'mts-e2e-yolo-'));
      try {
        await mkdir(join(dir, 'images'), { recursive: true });
        await mkdir(join(dir, 'labels'), { recursive: true });
        const grey = Buffer.alloc(30 * 30 * 3, 128);
        for (let i = 0; i < 6; i++) {
          await sharp(grey, { raw: { width: 30, height: 30, channels: 3 } })
            .png()
            .toFile(join(dir, 'images', `img-${i}.png`));
          // x 10–30 of 30 px, written as a labelling tool writes it: centre 0.66667 and width
          // 0.66667 each rounded up, so the right edge reads 1.000005.
          await writeFile(
            join(dir, 'labels', `img-${i}.txt`),
            `${i % 2} 0.66667 0.50000 0.66667 0.33333\n`,
          );
        }
        await writeFile(join(dir, 'classes.txt'), 'circle\nsquare\n');
        await page.getByTestId('run-import-dataset').click();
        const dialog = page.getByTestId('dataset-dialog');
        expect(await dialog.textContent()).toContain('Path of the dataset on this computer');
        await page.getByTestId('dataset-path').fill(dir);
        await page.getByTestId('dataset-inspect').click();
        await expect
          .poll(() => dialog.getByTestId('dataset-images').textContent(), { timeout: 60_000 })
          .toContain('(6 images)');
        expect(await dialog.getByTestId('dataset-format').textContent()).toBe('YOLO');
        expect(await dialog.getByTestId('dataset-bad-row-list').count()).toBe(0);
        await page.getByTestId('dataset-dialog-close').click();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }

      // A run of the last session: its graph opens named after it, marked unsaved.
      await reloadDiscardingUnsaved(page);
      const earlier = page.getByTestId('earlier-run').first();
      await earlier.waitFor();
      const name = await earlier.locator('.run-item-label').textContent();
      await earlier.getByTestId('btn-open-run-graph').click();
      await expect.poll(() => page.getByTestId('file-dirty').count()).toBe(1);
      expect(await page.getByTestId('file-name').textContent()).toContain(
        (name ?? '').replace(/[^\p{L}\p{N} ._()-]+/gu, '-'),
      );
      expect(await page.getByTestId('file-name').textContent()).not.toContain('Untitled');
    });
  },
);
