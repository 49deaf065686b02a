import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import onnxProto from 'onnx-proto';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../core/graph/load.ts';
import { writeTinyCsvDataset } from '../main/app-host/test-dataset.ts';
import { tinyReferenceGraph } from '../main/engine/test-graphs.ts';
import { clickNode, hasChromium, headsInView, waitForSteadyView } from './harness.ts';
import { laptopStudio } from './suite.ts';

/**
 * The studio as a newcomer meets it, third round: totals that compare whatever the balancing
 * method, heads that follow the dataset, a runs table that fits, and exports that name their
 * outputs.
 */

const SHOTS = process.env.MTS_SHOTS ?? '/tmp/ux-shots';
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

async function shoot(page: Page, name: string) {
  await mkdir(SHOTS, { recursive: true });
  for (const [width, height] of [
    [1440, 900],
    [1280, 720],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}x${height}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

/** The runs of the tiny graph's file, newest first: the first of them is on the imported dataset. */
const tinyRun = (page: Page, n: number) =>
  page.getByTestId('run-item').filter({ hasText: /^tiny/ }).nth(n);

const optionText = (page: Page, value: string) =>
  page.getByTestId('run-monitor').locator(`option[value="${value}"]`).textContent();

describe.skipIf(!hasChromium)(
  'The studio as a newcomer meets it, third round',
  { timeout: 300_000 },
  () => {
    const studio = laptopStudio();
    let temp: string | undefined;
    afterAll(async () => {
      if (temp) await rm(temp, { recursive: true, force: true });
    });

    it('compares runs on a scale the balancing method does not move', async () => {
      const { page } = studio();
      await page.getByTestId('template-select').selectOption({ label: SHAPES });
      await expect.poll(() => page.getByTestId('studio-node').count()).toBe(16);
      await setField(page, 'run-limit', '48');
      await setField(page, 'run-epochs', '2');
      await page.getByTestId('run-training-controls').locator('summary').click();
      // Automatic, and what it means with the graph's method, said where it is chosen.
      expect(await page.getByTestId('run-monitor').inputValue()).toBe('auto');
      expect(await optionText(page, 'auto')).toBe('automatic: validation total loss');
      await page.getByTestId('run-balancing-method').selectOption('uncertainty');
      await expect
        .poll(() => optionText(page, 'auto'))
        .toBe(
          'automatic: validation mean task loss ÷ epoch 1 (Uncertainty weighting moves the weights)',
        );
      await page.getByTestId('run-monitor').selectOption('loss');
      expect(await page.getByTestId('run-monitor-warning').textContent()).toContain(
        'the weighted total can rise while every task improves',
      );
      await page.getByTestId('run-monitor').selectOption('auto');
      expect(await page.getByTestId('run-monitor-warning').count()).toBe(0);

      await train(page);
      await expect
        .poll(() => page.getByTestId('run-end-reason').textContent())
        .toMatch(/best epoch \d \(validation mean task loss ÷ epoch 1 [\d.]+\) kept as the model/);
      expect(await page.getByTestId('chart-total').locator('.run-chart-title').textContent()).toBe(
        'Task loss ÷ epoch 1',
      );
      expect(await page.getByTestId('results-total-note').textContent()).toContain(
        'Uncertainty weighting sets the weights of the total as it trains',
      );

      await page.getByTestId('run-balancing-method').selectOption('fixed');
      await train(page);
      expect(await page.getByTestId('results-total-note').count()).toBe(0);
      await page.getByTestId('run-item').nth(1).getByRole('checkbox').check();
      const table = page.getByTestId('runs-table');
      await expect
        .poll(() => table.getByTestId('runs-table-row').count(), { timeout: 30_000 })
        .toBe(2);
      const header = (await table.locator('thead th').allTextContents()).map((t) => t.trim());
      // No weighted total to compare; Δm% against the first, and the weights each run trained
      // with: uncertainty's differ from the graph's 1, so they are a column.
      expect(header).not.toContain('loss');
      expect(header).toContain('Δm% vs shown');
      expect(header).toEqual(
        expect.arrayContaining(['weight shape', 'weight box', 'weight colour']),
      );
      const column = async (title: string) =>
        (await table.getByTestId('runs-table-row').all()).map((row) =>
          row.locator('td').nth(header.indexOf(title)).textContent(),
        );
      const deltas = await Promise.all(await column('Δm% vs shown'));
      expect(deltas[0]).toBe('base');
      expect(deltas[1]).toMatch(/^[+-]\d+\.\d\d$/);
      const boxWeights = await Promise.all(await column('weight box'));
      // The graph's weight for the fixed run, the method's own for the other.
      console.info(`box weights compared: ${boxWeights.join(' and ')}`);
      expect(new Set(boxWeights).size).toBe(2);
      // The better run is marked in every task column.
      const taskColumns = header.filter((h) => /^(shape|box|colour) /.test(h)).length;
      expect(await table.locator('td[data-best]').count()).toBeGreaterThanOrEqual(taskColumns);
      await page.getByTestId('runs-table').scrollIntoViewIfNeeded();
      await shoot(page, 'third-runs-compared');
    });

    it('fits the heads to another dataset in one step, and a target choice sizes its head', async () => {
      const { page, runsDir } = studio();
      temp = await mkdtemp(join(tmpdir(), 'mts-e2e-third-'));
      const deep = join(
        temp,
        'a-folder-with-a-rather-long-name',
        'and-another-folder-below-it',
        'my-photos',
      );
      await mkdir(deep, { recursive: true });
      const data = await writeTinyCsvDataset(deep, { images: 30 });
      const graph = tinyReferenceGraph();
      graph.training = { ...graph.training, epochs: 1, limit: 400 };
      const graphFile = join(runsDir, 'tiny.graph.json');
      await writeFile(graphFile, serializeGraphDocument(graph));
      await page.getByTestId('file-input').setInputFiles(graphFile);
      await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('tiny');

      await page.getByTestId('run-import-dataset').click();
      await page.getByTestId('dataset-path').fill(data.csvPath);
      await page.getByTestId('dataset-inspect').click();
      await expect
        .poll(() => page.getByTestId('dataset-images').textContent(), { timeout: 60_000 })
        .toContain('(30 images)');
      await page.getByTestId('dataset-use').click();
      await expect.poll(() => page.getByTestId('dataset-dialog').count()).toBe(0);
      // The dataset line names the folder, not the whole path.
      expect(await page.getByTestId('run-dataset-description').textContent()).toMatch(
        /^Dataset …\/my-photos\/labels\.csv:/,
      );

      // The head's target, chosen again in the inspector, brings its size (3 classes, not 10).
      await expect
        .poll(() => page.getByTestId('run-start-blocker').textContent())
        .toContain('set classes to 3');
      await clickNode(page, 'class_out');
      // Typed as a user types it: the field changes with each key.
      await page.getByTestId('param-target').fill('');
      await page.getByTestId('param-target').pressSequentially('class');
      await page.getByTestId('param-target').press('Tab');
      await expect.poll(() => page.getByTestId('param-classes').inputValue()).toBe('3');
      await expect.poll(() => page.getByTestId('btn-start').isEnabled()).toBe(true);
      await train(page);

      // Another dataset: one action fits every head, and adds one for the target none learns (the
      // box; the mask's head needs a feature map, which the fit says instead of adding a broken head).
      await page.getByTestId('run-dataset').selectOption('shapes');
      await expect
        .poll(() => page.getByTestId('run-start-blocker').textContent())
        .toContain('set classes to 5');
      await shoot(page, 'third-heads-before-fit');
      await page.getByTestId('btn-fit-heads').click();
      await expect
        .poll(() => page.getByTestId('notice').textContent())
        .toMatch(
          /^Fitted the heads to shapes: changed class_out; added \w+; no head added for mask, whose head needs a feature map/,
        );
      await expect.poll(() => page.getByTestId('btn-start').isEnabled()).toBe(true);
      expect(await page.getByTestId('run-start-blocker').count()).toBe(0);
      await expect.poll(() => page.locator('.studio-node--head').count()).toBe(3);
      await waitForSteadyView(page);
      // The added head is in view, not below the fold or under the minimap.
      expect(await headsInView(page)).toEqual({ heads: 3, inView: 3 });
      await shoot(page, 'third-heads-after-fit');
      await page.keyboard.press('Escape');
      await setField(page, 'run-limit', '48');
      await train(page);

      // Compared: the dataset by its name, the samples each run drew (30, never the limit 400).
      await tinyRun(page, 1).getByRole('checkbox').check();
      const table = page.getByTestId('runs-table');
      await expect
        .poll(() => table.getByTestId('runs-table-row').count(), { timeout: 30_000 })
        .toBe(2);
      const header = (await table.locator('thead th').allTextContents()).map((t) => t.trim());
      const cell = (row: number, column: string) =>
        table
          .getByTestId('runs-table-row')
          .nth(row)
          .locator('td')
          .nth(header.indexOf(column))
          .textContent();
      expect(await cell(0, 'dataset')).toBe('shapes');
      expect(await cell(1, 'dataset')).toBe('labels.csv');
      expect(await cell(1, 'samples')).toBe('30');
      expect(await table.textContent()).not.toContain('400');
      expect(await table.textContent()).not.toContain(temp);
      await shoot(page, 'third-dataset-runs-compared');

      // Another dataset again: the ticks go with the dataset they were about.
      await page.getByTestId('run-dataset').selectOption(data.csvPath);
      await expect.poll(() => page.getByTestId('runs-table').count()).toBe(0);
      expect(await tinyRun(page, 1).getByRole('checkbox').isChecked()).toBe(false);
      expect(await page.getByTestId('runs-legend-item').count()).toBe(1);
    });

    it('exports a model that names its outputs, in each format', async () => {
      const { page, runsDir } = studio();
      // The run on the imported dataset: its classes are the CSV's colour names.
      const item = tinyRun(page, 1);
      for (const format of ['onnx', 'tfjs', 'pytorch', 'keras'] as const) {
        await item.getByTestId('export-format').selectOption(format);
        const next = page.waitForEvent('download');
        await item.getByTestId('btn-export').click();
        const zip = join(runsDir, `third-${format}.zip`);
        await (await next).saveAs(zip);
        const files = unzipSync(new Uint8Array(await readFile(zip)));
        const at = (name: string) => {
          const key = Object.keys(files).find((k) => k === name || k.endsWith(`/${name}`));
          return key === undefined ? undefined : new TextDecoder().decode(files[key]);
        };
        const metadata = JSON.parse(at('metadata.json') ?? '{}') as {
          outputs?: { task: string; names?: string[] }[];
        };
        const names = metadata.outputs?.find((o) => o.task === 'class')?.names ?? [];
        expect([...names].sort(), format).toEqual(['blue', 'green', 'red']);
        expect(at('labels-class.txt')?.trim().split('\n'), format).toEqual(names);
        if (format === 'onnx') {
          const key = Object.keys(files).find((k) => k.endsWith('model.onnx'))!;
          const model = onnxProto.onnx.ModelProto.decode(files[key]!);
          const props = new Map(model.metadataProps.map((p) => [p.key, p.value]));
          expect(JSON.parse(props.get('labels.class') ?? '[]')).toEqual(names);
        }
        if (format === 'tfjs') {
          const model = JSON.parse(at('model.json') ?? '{}') as {
            userDefinedMetadata?: { outputs: { names?: string[] }[] };
          };
          expect(model.userDefinedMetadata?.outputs[0]?.names).toEqual(names);
        }
        if (format === 'pytorch' || format === 'keras') {
          expect(at('model.py')).toContain(`"names": [${names.map((n) => `"${n}"`).join(', ')}]`);
        }
      }
    });

    it('says when a class occurs only on objects that are not learned', async () => {
      const { page } = studio();
      const dir = await mkdtemp(join(tmpdir(), 'mts-e2e-yolo-small-'));
      try {
        await mkdir(join(dir, 'images'), { recursive: true });
        await mkdir(join(dir, 'labels'), { recursive: true });
        const grey = Buffer.alloc(30 * 30 * 3, 128);
        for (let i = 0; i < 6; i++) {
          await sharp(grey, { raw: { width: 30, height: 30, channels: 3 } })
            .png()
            .toFile(join(dir, 'images', `img-${i}.png`));
          // A large circle or square, and a small star beside it: the largest object is learned.
          await writeFile(
            join(dir, 'labels', `img-${i}.txt`),
            `${i % 2} 0.4 0.4 0.6 0.6\n2 0.9 0.9 0.1 0.1\n`,
          );
        }
        await writeFile(join(dir, 'classes.txt'), 'circle\nsquare\nstar\n');
        await page.getByTestId('run-import-dataset').click();
        await page.getByTestId('dataset-path').fill(dir);
        await page.getByTestId('dataset-inspect').click();
        const dialog = page.getByTestId('dataset-dialog');
        await expect
          .poll(() => dialog.getByTestId('dataset-images').textContent(), { timeout: 60_000 })
          .toContain('(6 images)');
        expect(await dialog.getByTestId('dataset-unlearned-classes').textContent()).toBe(
          "No image teaches 'star': it occurs only on objects the heads do not learn (they learn the largest object of each image); the class head keeps an output for it that nothing trains.",
        );
        await dialog.screenshot({ path: join(SHOTS, 'third-unlearned-class.png') });
        await page.getByTestId('dataset-dialog-close').click();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
);
