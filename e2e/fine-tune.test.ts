import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../core/graph/load.ts';
import { tinyReferenceGraph } from '../main/engine/test-graphs.ts';
import { clickNode, hasChromium, nodeLocator, SCREENSHOTS } from './harness.ts';
import { laptopStudio } from './suite.ts';

// conv 3·3·3·8 + 8 = 224, fc 512·32 + 32 = 16,416, class_out 32·10 + 10 = 330, box_out 32·4 + 4 = 132.
const TOTAL = '17,102';

describe.skipIf(!hasChromium)('fine-tuning in Chromium', { timeout: 240_000 }, () => {
  const studio = laptopStudio({ width: 1600, height: 1000 });

  it('freezes selected nodes, shows them frozen and counted, and unfreezes them mid-run', async () => {
    const { page, runsDir } = studio();
    const graph = tinyReferenceGraph();
    graph.training = { ...graph.training, epochs: 2, limit: 60 };
    const file = join(runsDir, 'finetune.graph.json');
    await writeFile(file, serializeGraphDocument(graph));
    await page.getByTestId('file-input').setInputFiles(file);
    await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('finetune');

    // Select the trunk's two layers with weights, then Freeze.
    await clickNode(page, 'conv');
    await clickNode(page, 'fc', { modifiers: ['Control'] });
    expect(await page.getByTestId('btn-unfreeze').count()).toBe(0);
    await page.getByTestId('btn-freeze').click();
    for (const id of ['conv', 'fc']) {
      await expect.poll(() => nodeLocator(page, id).getByTestId('node-frozen').count()).toBe(1);
      expect(await nodeLocator(page, id).getByTestId('node-memory').textContent()).toContain(
        'params frozen',
      );
    }
    expect(await nodeLocator(page, 'class_out').getByTestId('node-frozen').count()).toBe(0);
    // The toolbar's button turns into Unfreeze when every selected node is frozen.
    expect(await page.getByTestId('btn-freeze').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'fine-tune-frozen.png') });
    const from = await nodeLocator(page, 'conv').boundingBox();
    const to = await nodeLocator(page, 'fc').boundingBox();
    if (from && to) {
      await page.screenshot({
        path: join(SCREENSHOTS, 'fine-tune-frozen-nodes.png'),
        clip: { x: from.x - 10, y: from.y - 10, width: to.x + to.width - from.x + 20, height: 80 },
      });
    }

    // The summary counts their weights as non-trainable, as Keras prints it.
    await page.getByTestId('btn-summary').click();
    await expect.poll(() => page.getByTestId('summary-total').textContent()).toBe(TOTAL);
    expect(await page.getByTestId('summary-trainable').textContent()).toBe('462');
    expect(await page.getByTestId('summary-non-trainable').textContent()).toBe('16,640');
    expect(await page.getByTestId('summary-row-trainable').allTextContents()).toEqual([
      '',
      'N',
      '',
      '',
      'N',
      'Y',
      'Y',
    ]);
    // No gradients or Adam state for the frozen weights: 462 trainable × 3 + all 17,102 weights.
    expect(await page.getByTestId('summary-memory').textContent()).toMatch(
      /weights 66\.8 KiB, gradients 1\.8 KiB, Adam state 3\.61 KiB/,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'fine-tune-summary.png') });
    await page.keyboard.press('Escape');

    // Unfreeze one by the toolbar; "Freeze everything before this node" from the head's panel.
    await page.getByTestId('btn-unfreeze').click();
    await expect.poll(() => page.locator('[data-frozen="true"]').count()).toBe(0);
    await clickNode(page, 'class_out');
    await page.getByTestId('inspector-freeze-before').click();
    await expect
      .poll(() =>
        page
          .locator('.react-flow__node:has([data-frozen="true"])')
          .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-id'))),
      )
      .toEqual(['conv', 'fc']);

    // One run, two phases: the trunk trains from epoch 2 at its own learning rate.
    await page.getByTestId('run-fine-tune').locator('summary').click();
    await page.getByTestId('run-unfreeze-at').fill('2');
    await page.getByTestId('run-unfreeze-at').press('Enter');
    await page.getByTestId('run-unfreeze-lr').fill('0.0005');
    await page.getByTestId('run-unfreeze-lr').press('Enter');
    await expect
      .poll(() => page.getByTestId('run-fine-tune-summary').textContent())
      .toBe('2 frozen, unfreeze all at epoch 2 at rate 0.0005');
    await page.getByTestId('btn-start').click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 })
      .toContain('Finished');
    expect(await page.getByTestId('run-unfrozen').textContent()).toBe(
      'Unfrozen at epoch 2: conv, fc.',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'fine-tune-run.png') });
  });
});
