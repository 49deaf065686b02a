import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { clickNode, hasChromium, nodeLocator, SCREENSHOTS, waitForSteadyView } from './harness.ts';
import { laptopStudio } from './suite.ts';

/**
 * The studio as a newcomer meets it, at the window sizes of a laptop: settings that mean what
 * they say, a canvas that can be read, building by clicks, results with room.
 */

/** The canvas' zoom, from React Flow's viewport transform. */
const zoomOf = async (page: Page) => {
  const transform = await page.locator('.react-flow__viewport').getAttribute('style');
  return Number(/scale\(([\d.]+)\)/.exec(transform ?? '')?.[1] ?? Number.NaN);
};

const startDisabled = (page: Page) => page.getByTestId('btn-start').isDisabled();

describe.skipIf(!hasChromium)('The studio as a newcomer meets it', { timeout: 180_000 }, () => {
  const studio = laptopStudio();

  it('builds the three-head shapes model from an empty canvas in at most 16 actions', async () => {
    const { page } = studio();
    let actions = 0;
    const act = async (step: () => Promise<unknown>) => {
      actions++;
      await step();
    };
    await act(() => page.getByTestId('template-select').selectOption({ label: 'Empty canvas' }));
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(0);
    await act(() => page.getByTestId('run-dataset').selectOption('shapes'));
    const chain = ['Input', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense'];
    for (const kind of chain) await act(() => page.getByTestId(`palette-item-${kind}`).click());
    // The heads: the first after Dense, each next one beside the last, all fed by Dense.
    for (const kind of ['ClassificationHead', 'BoxHead', 'RegressionHead']) {
      await act(() => page.getByTestId(`palette-item-${kind}`).click());
    }
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(10);
    await expect.poll(() => page.getByTestId('problem-item').count()).toBe(0);
    await expect.poll(() => startDisabled(page)).toBe(false);
    expect(await page.locator('.react-flow__edge').count()).toBe(9);
    expect(await nodeLocator(page, 'classification_head_1').textContent()).toContain('5 classes');
    expect(await nodeLocator(page, 'regression_head_1').textContent()).toContain(
      'colour: 3 values',
    );
    // The issue counted 33 actions to build this model by dragging and connecting.
    expect(actions).toBeLessThanOrEqual(16);
    console.info(`Three-head shapes model built in ${actions} actions.`);
    await page.screenshot({ path: join(SCREENSHOTS, 'newcomer-built-by-clicks.png') });
  });

  it('links two nodes from the keyboard, and undoes an add with its link in one step', async () => {
    const { page } = studio();
    await clickNode(page, 'dense_1');
    await page.getByTestId('palette-item-Dropout').click();
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(11);
    expect(await page.locator('.react-flow__edge').count()).toBe(10);
    await page.getByTestId('btn-undo').click();
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(10);
    expect(await page.locator('.react-flow__edge').count()).toBe(9);

    // An unlinked Dense, then: select the source, Ctrl-click the target, press K.
    await page.getByTestId('palette-item-Dense').dragTo(page.locator('.react-flow__pane'), {
      targetPosition: { x: 60, y: 60 },
    });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(11);
    await page.getByTestId('btn-fit').click();
    await waitForSteadyView(page);
    await clickNode(page, 'flatten_1');
    await expect
      .poll(() => nodeLocator(page, 'flatten_1').getAttribute('class'))
      .toContain('selected');
    await clickNode(page, 'dense_2', { modifiers: ['Control'] });
    await expect
      .poll(() => nodeLocator(page, 'dense_2').getAttribute('class'))
      .toContain('selected');
    await page.keyboard.press('k');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(10);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(10);
  });

  it('never starts with settings other than those shown', async () => {
    const { page } = studio();
    await page.getByTestId('run-epochs').fill('0');
    await expect.poll(() => startDisabled(page)).toBe(true);
    expect(await page.getByTestId('run-start-blocker').textContent()).toContain(
      "Epochs must be a whole number from 1 to 10000; '0' is not.",
    );
    await page.getByTestId('run-epochs').press('Tab');
    await page.getByTestId('run-learning-rate').fill('-1');
    await page.getByTestId('run-learning-rate').press('Enter');
    expect(await startDisabled(page)).toBe(true);
    await page.getByTestId('run-epochs').fill('2');
    await page.getByTestId('run-epochs').press('Enter');
    await expect
      .poll(() => page.getByTestId('run-start-blocker').textContent())
      .toContain('Learning rate must be');
    await page.getByTestId('run-learning-rate').fill('0.002');
    await page.getByTestId('run-learning-rate').press('Enter');
    await expect.poll(() => startDisabled(page)).toBe(false);
    expect(await page.getByTestId('run-start-blocker').count()).toBe(0);

    // A head that does not fit the dataset: marked on the canvas, Start waits with the reason.
    await clickNode(page, 'classification_head_1');
    await page.getByTestId('param-classes').fill('4');
    await page.getByTestId('param-classes').press('Tab');
    await expect
      .poll(() =>
        nodeLocator(page, 'classification_head_1').getByTestId('node-error').textContent(),
      )
      .toContain('5 classes');
    expect(await startDisabled(page)).toBe(true);
    expect(await page.getByTestId('run-start-blocker').textContent()).toContain('5 classes');
    await page.screenshot({ path: join(SCREENSHOTS, 'newcomer-start-blocked.png') });
    await page.getByTestId('param-classes').fill('5');
    await page.getByTestId('param-classes').press('Tab');
    await expect.poll(() => startDisabled(page)).toBe(false);
    expect(await nodeLocator(page, 'classification_head_1').getByTestId('node-error').count()).toBe(
      0,
    );
    expect(await page.getByTestId('run-error').count()).toBe(0);
  });

  for (const [width, height] of [
    [1440, 900],
    [1280, 720],
  ] as const) {
    it(`opens a template at a readable zoom at ${width}×${height}, toolbar on one line`, async () => {
      const { page } = studio();
      await page.setViewportSize({ width, height });
      await page
        .getByTestId('template-select')
        .selectOption({ label: 'Shapes: class, box and colour' });
      await expect.poll(() => page.getByTestId('studio-node').count()).toBe(16);
      await expect.poll(() => zoomOf(page)).toBeGreaterThanOrEqual(0.75);
      // The heads are in view: the graph is shown from its tasks (newcomer-second.test.ts
      // counts them clear of the minimap too).
      const canvas = await page.getByTestId('canvas').boundingBox();
      for (const head of ['shape', 'box', 'colour']) {
        const box = await nodeLocator(page, head).boundingBox();
        expect(
          box && canvas && box.y >= canvas.y && box.y + box.height <= canvas.y + canvas.height,
        ).toBe(true);
      }
      const toolbar = await page.locator('.studio-toolbar').boundingBox();
      expect(toolbar?.height).toBeLessThan(48);
      await page.screenshot({ path: join(SCREENSHOTS, `newcomer-shapes-${width}x${height}.png`) });
    });
  }

  it('lays a graph out top to bottom when the canvas is taller than wide', async () => {
    const { page } = studio();
    // Opened in a wide window, the template is laid out left to right.
    await page.setViewportSize({ width: 1600, height: 600 });
    await page.getByTestId('template-select').selectOption({ label: 'Empty canvas' });
    await page
      .getByTestId('template-select')
      .selectOption({ label: 'Shapes: class, box and colour' });
    await expect.poll(() => page.locator('.react-flow__handle-top').count()).toBe(0);
    await page.setViewportSize({ width: 900, height: 1300 });
    await page.getByTestId('btn-layout').click();
    await expect.poll(() => page.locator('.react-flow__handle-top').count()).toBeGreaterThan(10);
    const image = await nodeLocator(page, 'image').boundingBox();
    const stem = await nodeLocator(page, 'stem').boundingBox();
    expect(stem && image && stem.y > image.y + image.height).toBe(true);
    await page.getByTestId('btn-undo').click();
    await expect.poll(() => page.locator('.react-flow__handle-top').count()).toBe(0);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('gives results room: a divider, a results view, Start always in view', async () => {
    const { page } = studio();
    const panel = page.locator('.studio-runs');
    const before = (await panel.boundingBox())?.height ?? 0;
    const divider = await page.getByTestId('panel-divider').boundingBox();
    if (!divider) throw new Error('no divider');
    await page.mouse.move(divider.x + 400, divider.y + divider.height / 2);
    await page.mouse.down();
    await page.mouse.move(divider.x + 400, divider.y - 200, { steps: 5 });
    await page.mouse.up();
    await expect
      .poll(async () => (await panel.boundingBox())?.height ?? 0)
      .toBeGreaterThan(before + 150);
    // From the keyboard too.
    await page.getByTestId('panel-divider').focus();
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(async () => (await panel.boundingBox())?.height ?? 0)
      .toBeLessThan(before + 180);

    await page.getByTestId('btn-results-view').click();
    await expect.poll(async () => (await panel.boundingBox())?.height ?? 0).toBeGreaterThan(800);
    await page.getByTestId('run-side').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    expect(await page.getByTestId('btn-start').isVisible()).toBe(true);
    const start = await page.getByTestId('btn-start').boundingBox();
    expect(start && start.y > 0 && start.y < 120).toBe(true);
    await page.getByTestId('btn-results-view').click();
    await expect.poll(async () => (await panel.boundingBox())?.height ?? 0).toBeLessThan(600);
  });
});
