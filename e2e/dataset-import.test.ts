import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../core/graph/load.ts';
import type { GraphDocument } from '../core/graph/schema.ts';
import { tinyReferenceGraph } from '../main/engine/test-graphs.ts';
import { writeTinyCsvDataset, type TinyDataset } from '../main/app-host/test-dataset.ts';
import {
  hasChromium,
  clickNode,
  reloadDiscardingUnsaved,
  SCREENSHOTS,
  startStudio,
  type Studio,
} from './harness.ts';

/** The tiny reference graph at 32×32×3, training one short epoch on `dataset`. */
function graphOn(dataset: string): GraphDocument {
  const doc = tinyReferenceGraph();
  return {
    ...doc,
    name: 'tiny on shapes',
    nodes: doc.nodes.map((n) =>
      n.kind === 'Input'
        ? { ...n, params: { ...n.params, height: 32, width: 32, channels: 3 } }
        : n,
    ),
    training: { ...doc.training, dataset, epochs: 1, batchSize: 8, limit: undefined },
  };
}

describe.skipIf(!hasChromium)('importing a dataset in Chromium', { timeout: 180_000 }, () => {
  let studio: Studio;
  let temp: string;
  let data: TinyDataset;

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-e2e-import-'));
    data = await writeTinyCsvDataset(join(temp, 'shapes'), { images: 30 });
    studio = await startStudio();
  }, 180_000);

  afterAll(async () => {
    expect(studio?.pageErrors ?? []).toEqual([]);
    await studio?.close();
    await rm(temp, { recursive: true, force: true });
  });

  it('imports a CSV dataset by its path, inspects it, uses it and trains on it', async () => {
    const { page } = studio;
    const graphFile = join(temp, 'tiny.graph.json');
    await writeFile(graphFile, serializeGraphDocument(graphOn('digits')));
    await page.getByTestId('file-input').setInputFiles(graphFile);
    await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('tiny');

    await page.getByTestId('run-import-dataset').click();
    const dialog = page.getByTestId('dataset-dialog');
    await page.getByTestId('dataset-path').fill(data.csvPath);
    await page.getByTestId('dataset-options-toggle').click();
    await page.getByTestId('dataset-option-validationFraction').fill('0.2');
    expect(await page.getByTestId('dataset-options-toggle').textContent()).toContain(
      '20% validation, 10% test',
    );
    await page.getByTestId('dataset-inspect').click();
    await expect
      .poll(() => dialog.getByTestId('dataset-images').textContent(), { timeout: 60_000 })
      .toContain('(30 images)');
    expect(await dialog.getByTestId('dataset-format').textContent()).toBe('CSV');
    // The report names the targets a head can learn from it.
    expect(await dialog.getByTestId('dataset-targets').textContent()).toMatch(
      /class \(3 classes: .*\).*\(a bounding box\)/,
    );
    expect(await dialog.getByTestId('dataset-classes').locator('tbody tr').count()).toBe(3);
    expect(await dialog.getByTestId('dataset-boxes').textContent()).toContain('30 boxes');
    await expect.poll(() => dialog.getByTestId('dataset-preview-item').count()).toBeGreaterThan(10);
    expect(await dialog.getByTestId('dataset-bad-rows').textContent()).toContain('1 bad row');
    expect(await dialog.getByTestId('dataset-bad-row-list').textContent()).toContain(
      data.missingFile,
    );
    await dialog.screenshot({ path: join(SCREENSHOTS, 'dataset-import-options.png') });
    await page.getByTestId('dataset-options-toggle').click();
    await dialog.screenshot({ path: join(SCREENSHOTS, 'dataset-import-dialog.png') });
    await dialog.getByTestId('dataset-results').screenshot({
      path: join(SCREENSHOTS, 'dataset-import-results.png'),
    });

    await page.getByTestId('dataset-use').click();
    await expect.poll(() => page.getByTestId('dataset-dialog').count()).toBe(0);
    expect(await page.getByTestId('run-dataset').inputValue()).toBe(data.csvPath);

    // The dataset has 3 classes and the head 10: the binding problem shows, and the head's
    // target is suggested from the imported targets.
    await expect
      .poll(() => page.getByTestId('problems-panel').textContent())
      .toContain('set classes to 3');
    await clickNode(page, 'class_out');
    const suggestions = await page
      .locator(`datalist#${await page.getByTestId('param-target').getAttribute('list')} option`)
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(suggestions).toEqual(['class']);
    await page.getByTestId('param-classes').fill('3');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.getByTestId('problem-item').count()).toBe(0);

    await page.getByTestId('btn-start').click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 150_000 })
      .toContain('Finished');
    const legend = await page
      .getByTestId('chart-batch-loss')
      .locator('.recharts-legend-item-text')
      .allTextContents();
    expect(legend.join(' ')).toMatch(/class/);
    expect(legend.join(' ')).toMatch(/box/);
    const report = await page.getByTestId('run-dataset-report').textContent();
    expect(report).toContain('CSV, split by the seed, class by class · 1 row skipped');
    expect(report).toContain('missing.png');
    await page.screenshot({ path: join(SCREENSHOTS, 'dataset-import-trained.png') });
  });

  it('offers to inspect the dataset of a graph opened from a file', async () => {
    const { page } = studio;
    await reloadDiscardingUnsaved(page);
    const graphFile = join(temp, 'on-path.graph.json');
    await writeFile(graphFile, serializeGraphDocument(graphOn(data.csvPath)));
    await page.getByTestId('file-input').setInputFiles(graphFile);
    await expect
      .poll(() => page.getByTestId('run-dataset-uninspected').textContent())
      .toContain(data.csvPath);
    await page.getByTestId('run-inspect-dataset').click();
    await expect
      .poll(() => page.getByTestId('dataset-images').textContent(), { timeout: 60_000 })
      .toContain('(30 images)');
    await page.getByTestId('dataset-dialog-close').click();
    await expect.poll(() => page.getByTestId('run-dataset-uninspected').count()).toBe(0);
  });

  it('uploads a zipped dataset and inspects where the server unpacked it', async () => {
    const { page } = studio;
    const root = join(temp, 'shapes');
    const files: Record<string, Uint8Array> = {
      'shapes/labels.csv': new Uint8Array(await readFile(data.csvPath)),
    };
    for (const name of await readdir(join(root, 'images'))) {
      files[`shapes/images/${name}`] = new Uint8Array(await readFile(join(root, 'images', name)));
    }
    const zipFile = join(temp, 'shapes.zip');
    await writeFile(zipFile, zipSync(files));
    await page.getByTestId('run-import-dataset').click();
    await page.getByTestId('dataset-upload-input').setInputFiles(zipFile);
    // The path becomes where the server unpacked the zip, and that copy is inspected.
    await expect
      .poll(() => page.getByTestId('dataset-path').inputValue(), { timeout: 30_000 })
      .toMatch(/shapes-[\d-]+-[0-9a-f]{4}[\\/]shapes[\\/]labels\.csv$/);
    const unpacked = await page.getByTestId('dataset-path').inputValue();
    await expect
      .poll(() => page.getByTestId('dataset-source').textContent(), { timeout: 60_000 })
      .toBe(unpacked);
    expect(await page.getByTestId('dataset-images').textContent()).toContain('(30 images)');
    await page.getByTestId('dataset-dialog-close').click();
  });
});
