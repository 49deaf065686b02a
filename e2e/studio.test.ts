import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepRows, type SweepFile, type SweepRun } from '../core/balancing/sweep.ts';
import { serializeGraphDocument } from '../core/graph/load.ts';
import { tinyReferenceGraph } from '../main/engine/test-graphs.ts';
import { expectReferenceModel, trainAndExpectSeriesPerTask } from './flows.ts';
import {
  connect,
  dropFromPalette,
  hasChromium,
  clickNode,
  nodeLocator,
  ROOT,
  SCREENSHOTS,
  startStudio,
  type Studio,
} from './harness.ts';

/** A sweep's file from the sweep's own table code, over two methods and the tasks alone. */
function tinySweep(): SweepFile {
  const test = (accuracy: number, meanIoU: number) => ({
    loss: 1,
    samples: 10,
    tasks: { class: { loss: 1, accuracy }, box: { loss: 0.5, meanIoU, iou50: meanIoU } },
  });
  const runs: SweepRun[] = [
    { method: 'fixed', seed: 1, test: test(0.5, 0.4), secondsPerEpoch: 2 },
    { method: 'pcgrad', seed: 1, test: test(0.6, 0.5), secondsPerEpoch: 3 },
    // Alone, the box task's IoU≥0.5 share is 0.4 %: Δm% leaves it out and says so.
    {
      method: 'single-task',
      seed: 1,
      test: {
        ...test(0.55, 0.45),
        tasks: {
          class: { loss: 1, accuracy: 0.55 },
          box: { loss: 0.5, meanIoU: 0.45, iou50: 0.004 },
        },
      },
      secondsPerEpoch: 2,
    },
  ];
  return {
    format: 'multitask-studio/sweep',
    graphName: 'tiny reference',
    dataset: 'digits',
    epochs: 1,
    sizes: { train: 8, validation: 1, test: 1 },
    seeds: [1],
    backend: 'wasm',
    rows: sweepRows(runs),
    pending: 0,
  };
}

if (!hasChromium) {
  console.warn(
    'Skipping the end-to-end tests: no Chromium at /usr/bin/chromium (apt-get install chromium).',
  );
}

describe.skipIf(!hasChromium)('Multitask Studio in Chromium', { timeout: 180_000 }, () => {
  let studio: Studio;
  let tinyGraphFile: string;

  beforeAll(async () => {
    studio = await startStudio();
    studio.page.on('dialog', (dialog) => void dialog.accept());
    tinyGraphFile = join(studio.runsDir, 'tiny.graph.json');
    await writeFile(tinyGraphFile, serializeGraphDocument(tinyReferenceGraph()));
  }, 180_000);

  afterAll(async () => {
    expect(studio?.pageErrors ?? []).toEqual([]);
    await studio?.close();
  });

  it('opens with the reference model, every node showing its shape and parameters', async () => {
    const { page } = studio;
    await expectReferenceModel(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-reference.png') });
  });

  it('builds the reference model from an empty canvas by drag and connect', async () => {
    const { page } = studio;
    await page.getByTestId('template-select').selectOption({ label: 'Empty canvas' });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(0);

    const layout: [string, number, number][] = [
      ['Input', 40, 30],
      ['Conv2D', 260, 30],
      ['MaxPooling2D', 480, 30],
      ['Conv2D', 700, 30],
      ['MaxPooling2D', 40, 200],
      ['Flatten', 260, 200],
      ['Dense', 480, 200],
      ['ClassificationHead', 700, 200],
      ['Flatten', 260, 360],
      ['Dense', 480, 360],
      ['BoxHead', 700, 360],
    ];
    for (const [kind, x, y] of layout) await dropFromPalette(page, kind, x, y);
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(11);
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-dropped.png') });
    // The second convolution has 64 filters and the box branch 256 units, as in the reference.
    await clickNode(page, 'conv2d_2');
    await page.getByTestId('param-filters').fill('64');
    await clickNode(page, 'dense_2');
    await page.getByTestId('param-units').fill('256');
    await page.keyboard.press('Tab');
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-before-connect.png') });

    await connect(page, 'input_1', 'conv2d_1');
    await connect(page, 'conv2d_1', 'max_pooling2d_1');
    await connect(page, 'max_pooling2d_1', 'conv2d_2');
    await connect(page, 'conv2d_2', 'max_pooling2d_2');
    // A Dense straight after pooling: the shape error names both nodes and the shape.
    await connect(page, 'max_pooling2d_2', 'dense_1');
    await expect
      .poll(() => nodeLocator(page, 'dense_1').getByTestId('node-error').textContent())
      .toContain("MaxPooling2D 'max_pooling2d_2' gives [16, 16, 64]; add a Flatten");
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-shape-error.png') });
    // Putting the Flatten in between replaces the link into Dense's single input.
    await connect(page, 'max_pooling2d_2', 'flatten_1');
    await connect(page, 'flatten_1', 'dense_1');
    await expect.poll(() => nodeLocator(page, 'dense_1').getByTestId('node-error').count()).toBe(0);
    await connect(page, 'dense_1', 'classification_head_1');
    await connect(page, 'max_pooling2d_2', 'flatten_2');
    await connect(page, 'flatten_2', 'dense_2');
    await connect(page, 'dense_2', 'box_head_1');

    await expect.poll(() => page.getByTestId('problem-item').count()).toBe(0);
    await page.getByTestId('btn-summary').click();
    await expect
      .poll(() => page.getByTestId('summary-dialog').textContent())
      .toContain('6,313,550');
    // The memory a run needs, as `summary` prints it: the Keras model at batch 32 with Adam.
    expect(await page.getByTestId('summary-memory').textContent()).toBe(
      '167 MiB (weights 24.1 MiB, gradients 24.1 MiB, Adam state 48.2 MiB, activations at batch 32 71.1 MiB)',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-built-from-scratch.png') });
    await page.keyboard.press('Escape');
    // A second Escape clears the selection: the graph panel shows the totals.
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('graph-memory').textContent()).toBe(
      'Training needs about 167 MiB at batch 32.',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-memory.png') });
  });

  it('trains a tiny run, shows a series per task, and exports the model', async () => {
    const { page } = studio;
    await page.getByTestId('file-input').setInputFiles(tinyGraphFile);
    await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('tiny');
    await trainAndExpectSeriesPerTask(page);
    expect(await page.getByTestId('run-backend').textContent()).toContain('wasm');
    await page.screenshot({ path: join(SCREENSHOTS, 'run-charts.png') });
    await page.getByTestId('gallery').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'run-results.png') });

    const download = page.waitForEvent('download');
    await page.getByTestId('btn-export').click();
    const file = join(studio.runsDir, 'export.zip');
    await (await download).saveAs(file);
    const files = unzipSync(new Uint8Array(await readFile(file)));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['model.json', 'weights.bin', 'graph.json']),
    );

    // Every other format, as a zip of the files the command line writes.
    const expected = {
      onnx: ['model.onnx', 'graph.json'],
      pytorch: ['model.py', 'weights.npz', 'train.py', 'training.json', 'README.md'],
      keras: ['model.py', 'weights.h5', 'training.json'],
    };
    for (const [format, names] of Object.entries(expected)) {
      await page.getByTestId('export-format').selectOption(format);
      const next = page.waitForEvent('download');
      await page.getByTestId('btn-export').click();
      const zip = join(studio.runsDir, `export-${format}.zip`);
      const saved = await next;
      expect(saved.suggestedFilename()).toMatch(new RegExp(`-best-${format}\\.zip$`));
      await saved.saveAs(zip);
      const unpacked = unzipSync(new Uint8Array(await readFile(zip)));
      expect(Object.keys(unpacked), format).toEqual(expect.arrayContaining(names));
      if (format === 'onnx') {
        const session = await ort.InferenceSession.create(unpacked['model.onnx']!);
        expect(session.inputNames).toEqual(['image']);
        expect(session.outputNames).toEqual(['class', 'box']);
      }
    }
    await page
      .getByTestId('run-list')
      .screenshot({ path: join(SCREENSHOTS, 'export-formats.png') });

    // The exported model.json opens as a graph: the same nodes, heads from its outputs.
    const modelFile = join(studio.runsDir, 'model.json');
    await writeFile(modelFile, files['model.json']!);
    await page.getByTestId('file-input').setInputFiles(modelFile);
    await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('model');
    expect(await page.getByTestId('studio-node').count()).toBe(7);
    await page.screenshot({ path: join(SCREENSHOTS, 'imported-model.png') });
    await page.getByTestId('file-input').setInputFiles(tinyGraphFile);
    await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('tiny');
  });

  it('trains with a balancing method picked in the run panel and fills its charts', async () => {
    const { page } = studio;
    await page.getByTestId('run-balancing-method').selectOption('pcgrad');
    expect(await page.getByTestId('run-balancing-explain').textContent()).toContain(
      'point against each other',
    );
    await page.getByTestId('run-balancing-method').selectOption('cagrad');
    expect(await page.getByTestId('run-balancing-c').inputValue()).toBe('0.4');
    await page.getByTestId('run-balancing').screenshot({
      path: join(SCREENSHOTS, 'run-balancing-menu.png'),
    });
    // A sweep kept in the runs folder, as `sweep` writes it: the panel lists it when a run ends.
    await mkdir(join(studio.runsDir, 'sweep-tiny'));
    await writeFile(join(studio.runsDir, 'sweep-tiny', 'sweep.json'), JSON.stringify(tinySweep()));
    await page.getByTestId('btn-start').click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 })
      .toContain('Finished');
    expect(await page.getByTestId('run-balancing-status').textContent()).toContain('CAGrad');
    await page.getByTestId('sweep-toggle').click();
    const table = await page.getByTestId('sweep-table').textContent();
    expect(table).toMatch(/Δm%[\s\S]*fixed[\s\S]*pcgrad[\s\S]*\+/);
    expect(await page.getByTestId('sweep-note').textContent()).toContain(
      'Δm% leaves out box IoU≥0.5 (single-task 0.0040)',
    );
    await page.getByLabel('Sweeps').screenshot({ path: join(SCREENSHOTS, 'run-sweep-table.png') });
    for (const chart of ['chart-weights', 'chart-grad-norm', 'chart-cosine']) {
      // A card draws when it is in view: the balancing cards sit below the loss cards.
      await page.getByTestId(chart).scrollIntoViewIfNeeded();
      const lines = page.getByTestId(chart).locator('.recharts-line-curve');
      await expect.poll(() => lines.count(), { timeout: 30_000 }).toBeGreaterThan(0);
      const legend = await page
        .getByTestId(chart)
        .locator('.recharts-legend-item-text')
        .allTextContents();
      expect(legend.join(' ')).toMatch(
        chart === 'chart-cosine' ? /class · box/ : /class[\s\S]*box/,
      );
    }
    await page.getByTestId('toggle-normalised').check();
    await page.getByTestId('chart-loss-ratio').scrollIntoViewIfNeeded();
    await expect
      .poll(() => page.getByTestId('chart-loss-ratio').locator('.recharts-line-curve').count())
      .toBeGreaterThan(0);
    await page.getByTestId('chart-cosine').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'run-balancing-charts.png') });
    await page.getByTestId('toggle-normalised').uncheck();
    await page.getByTestId('run-balancing-method').selectOption('fixed');
  });

  it('stops a run between batches', async () => {
    const { page } = studio;
    await page.getByTestId('run-epochs').fill('200');
    await page.getByTestId('btn-start').click();
    await expect
      .poll(() => page.getByTestId('run-progress').textContent(), { timeout: 60_000 })
      .toMatch(/batch \d+/);
    await page.screenshot({ path: join(SCREENSHOTS, 'run-in-progress.png') });
    // Editing the graph does not disturb the run: it trains the graph as it was at Start.
    // The graph opened at a readable zoom from its Input; zoom out to reach its last node.
    await page.locator('.react-flow__controls-zoomout').click();
    await page.locator('.react-flow__controls-zoomout').click();
    await clickNode(page, 'box_out');
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(6);
    const progressNow = await page.getByTestId('run-progress').textContent();
    await expect
      .poll(() => page.getByTestId('run-progress').textContent(), { timeout: 30_000 })
      .not.toBe(progressNow);
    expect(await page.getByTestId('run-status').textContent()).toContain('Running');
    await page.getByTestId('btn-undo').click();
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(7);
    await page.getByTestId('btn-stop').click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 30_000 })
      .toContain('Stopped');
  });

  it('saves, reloads and gets the same graph', async () => {
    const { page } = studio;
    const saved = page.waitForEvent('download');
    await page.getByTestId('btn-save').click();
    const first = join(studio.runsDir, 'first.graph.json');
    await (await saved).saveAs(first);
    await page.reload();
    await page.locator('.react-flow__node').first().waitFor();
    await page.getByTestId('file-input').setInputFiles(first);
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(7);
    const again = page.waitForEvent('download');
    await page.getByTestId('btn-save').click();
    const second = join(studio.runsDir, 'second.graph.json');
    await (await again).saveAs(second);
    expect(JSON.parse(await readFile(second, 'utf8'))).toEqual(
      JSON.parse(await readFile(first, 'utf8')),
    );
  });

  it('lists the runs kept on disk after a reload and opens one with its charts', async () => {
    const { page } = studio;
    await page.reload();
    await page.locator('.react-flow__node').first().waitFor();
    const earlier = page.getByTestId('earlier-run');
    // The tiny run that finished, the balancing run and the one that was stopped, newest first.
    await expect.poll(() => earlier.count()).toBe(3);
    expect(await earlier.nth(0).textContent()).toMatch(/Stopped · \d+\/200 epochs/);
    const finished = earlier.nth(2);
    expect(await finished.textContent()).toMatch(
      /tiny · run \d+.*Finished · \d+\/\d+ epochs.*test loss/,
    );
    await finished.getByTestId('btn-open-run').click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toContain('Finished');
    await expect
      .poll(() => page.getByTestId('chart-total').locator('.recharts-line-curve').count())
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('results-table').textContent())
      .toMatch(/class[\s\S]*box/);
    expect(await page.getByTestId('run-item').count()).toBe(1);
    // The sample predictions were kept in the run folder; the per-batch card falls back to epochs.
    expect(await page.getByTestId('gallery-item').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('chart-batch-loss').textContent()).not.toContain('Waiting');
    // Its title stays; its x axis says epoch.
    expect(
      await page.getByTestId('chart-batch-loss').locator('.recharts-label').allTextContents(),
    ).toContain('epoch');
    await page.getByTestId('chart-total').scrollIntoViewIfNeeded();
    await page.getByTestId('earlier-runs').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'earlier-runs.png') });

    await page.getByTestId('template-select').selectOption({ label: 'Empty canvas' });
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(0);
    await finished.getByTestId('btn-open-run-graph').click();
    await expect.poll(() => page.getByTestId('studio-node').count()).toBe(7);
  });

  it('refuses a broken file with the engine sentence and keeps the graph', async () => {
    const { page } = studio;
    const before = await page.getByTestId('studio-node').count();
    await page
      .getByTestId('file-input')
      .setInputFiles(join(ROOT, 'core/graph/fixtures/broken-unknown-kind.graph.json'));
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain("nodes[1] ('x').kind");
    expect(await page.getByTestId('studio-node').count()).toBe(before);
  });
});
