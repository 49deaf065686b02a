import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startStudio, type Studio } from './harness.ts';

/** Screenshots of this flow, to look at: the import report, the built graph, the results. */
const SHOTS = process.env.MTS_TASK_SHOTS ?? '/tmp/tasks-shots';
const ATTRIBUTES = ['smiling', 'glasses', 'hat', 'beard', 'young', 'bald'];
const COLOURS = ['red', 'green', 'blue'] as const;
const RGB = { red: [220, 40, 40], green: [30, 170, 60], blue: [40, 90, 220] } as const;

/**
 * 30 images with three label columns (class: the shape, colour, style: its size) and six 0/1
 * attribute columns, so every task can be read off the picture or its index.
 */
async function writeDataset(dir: string): Promise<string> {
  await mkdir(join(dir, 'images'), { recursive: true });
  const lines = [['path', 'class', 'colour', 'style', ...ATTRIBUTES].join(',')];
  for (let i = 0; i < 30; i++) {
    const colour = COLOURS[i % 3]!;
    const big = i % 2 === 0;
    const side = big ? 20 : 10;
    const pixels = Buffer.alloc(32 * 32 * 3, 128);
    for (let y = 4; y < 4 + side; y++) {
      for (let x = 4; x < 4 + (i % 4 < 2 ? side : side / 2); x++) {
        pixels.set(RGB[colour], (y * 32 + x) * 3);
      }
    }
    const name = `images/img-${String(i).padStart(2, '0')}.png`;
    await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toFile(join(dir, name));
    const bits = ATTRIBUTES.map((_, k) => String((i >> (k % 4)) & 1));
    const shape = i % 4 < 2 ? 'square' : 'bar';
    lines.push([name, shape, colour, big ? 'big' : 'small', ...bits].join(','));
  }
  const path = join(dir, 'labels.csv');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe.skipIf(!hasChromium)('several labels per image in Chromium', { timeout: 300_000 }, () => {
  let studio: Studio;
  let temp: string;
  let csvPath: string;

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-e2e-tasks-'));
    await mkdir(SHOTS, { recursive: true });
    csvPath = await writeDataset(join(temp, 'faces'));
    studio = await startStudio();
  }, 180_000);

  afterAll(async () => {
    expect(studio?.pageErrors ?? []).toEqual([]);
    await studio?.close();
    await rm(temp, { recursive: true, force: true });
  });

  it('imports three label columns and six attributes as four tasks, trains four heads built by clicks', async () => {
    const { page } = studio;
    await page.getByTestId('template-select').selectOption({ label: 'Empty canvas' });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(0);

    await page.getByTestId('run-import-dataset').click();
    const dialog = page.getByTestId('dataset-dialog');
    await page.getByTestId('dataset-path').fill(csvPath);
    await page.getByTestId('dataset-options-toggle').click();
    await page.getByTestId('dataset-option-attributes').fill(ATTRIBUTES.join(', '));
    await page.keyboard.press('Tab');
    await page.getByTestId('dataset-inspect').click();
    await expect
      .poll(() => dialog.getByTestId('dataset-images').textContent(), { timeout: 60_000 })
      .toContain('(30 images)');
    const targets = await dialog.getByTestId('dataset-targets').textContent();
    expect(targets).toContain('class (2 classes: bar, square)');
    expect(targets).toContain('colour (3 classes: blue, green, red)');
    expect(targets).toContain('style (2 classes: big, small)');
    expect(targets).toContain(
      'attributes (6 attributes: smiling, glasses, hat, beard, young, bald)',
    );
    expect(await dialog.getByTestId('dataset-task-colour').locator('tbody tr').count()).toBe(3);
    expect(await dialog.getByTestId('dataset-task-attributes').locator('tbody tr').count()).toBe(6);
    await dialog.getByTestId('dataset-options-toggle').click();
    await dialog.screenshot({ path: join(SHOTS, 'import-report.png') });
    await page.getByTestId('dataset-use').click();
    await expect.poll(() => page.getByTestId('dataset-dialog').count()).toBe(0);

    for (const kind of ['Input', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']) {
      await page.getByTestId(`palette-item-${kind}`).click();
    }
    for (const kind of [
      'ClassificationHead',
      'ClassificationHead',
      'ClassificationHead',
      'AttributesHead',
    ]) {
      await page.getByTestId(`palette-item-${kind}`).click();
    }
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(9);
    await expect.poll(() => page.getByTestId('problem-item').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'four-heads.png') });

    await page.getByTestId('btn-start').click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 200_000 })
      .toContain('Finished');
    const legend = (
      await page
        .getByTestId('chart-batch-loss')
        .locator('.recharts-legend-item-text')
        .allTextContents()
    ).join(' ');
    for (const task of ['class', 'colour', 'style', 'attributes']) expect(legend).toContain(task);
    for (const card of [
      'attributes-macroF1',
      'attributes-mAP',
      'attributes-attributeAccuracy',
      'colour-accuracy',
    ]) {
      expect(await page.getByTestId(`chart-${card}`).count(), card).toBe(1);
    }
    const results = await page.getByTestId('results-table').textContent();
    for (const words of ['colour', 'style', 'macro F1', 'mAP', 'mean accuracy']) {
      expect(results).toContain(words);
    }
    const item = page.getByTestId('gallery-item').first();
    expect(await item.locator('.gallery-caption').count()).toBe(4);
    expect(await item.textContent()).toMatch(/colour: true \w+ · predicted \w+/);
    await page.screenshot({ path: join(SHOTS, 'trained.png'), fullPage: true });
    await page.getByTestId('gallery').screenshot({ path: join(SHOTS, 'gallery.png') });

    // The ONNX export has an output per task, the attributes one six wide.
    await page.getByTestId('export-format').selectOption('onnx');
    const download = page.waitForEvent('download');
    await page.getByTestId('btn-export').click();
    const file = await download;
    const zipped = join(temp, 'export.zip');
    await file.saveAs(zipped);
    const files = unzipSync(new Uint8Array(await readFile(zipped)));
    const onnx = Object.entries(files).find(([name]) => name.endsWith('.onnx'));
    expect(onnx, Object.keys(files).join(', ')).toBeDefined();
    const text = Buffer.from(onnx![1]).toString('latin1');
    for (const task of ['class', 'colour', 'style', 'attributes'])
      expect(text).toContain(`'${task}' [N,`);
    expect(text).toContain("'attributes' [N, 6]");
  });
});
