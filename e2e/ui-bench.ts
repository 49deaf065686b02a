import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { serializeGraphDocument } from '../core/graph/load.ts';
import { parseGraphDocument } from '../core/graph/load.ts';
import { tinyReferenceGraph } from '../main/engine/test-graphs.ts';
import { median } from '../main/bench/training-bench.ts';
import { table } from '../main/cli/format.ts';
import { hasChromium, nodeLocator, startStudio } from './harness.ts';

/**
 * `npm run bench:ui`: the canvas and the charts under load, in Debian's Chromium against the real
 * browser host. (1) Dragging a node of a 200-node graph: frame intervals and long tasks while the
 * pointer moves. (2) A real training run streaming events at the engine's full rate (20 a
 * second): frame intervals, long tasks and how late a 10 ms timer fires on the main thread.
 */

/** Input → Flatten → 197 Dense → a head: 200 valid nodes, laid out on a grid. */
function bigGraph() {
  const nodes: unknown[] = [
    {
      id: 'image',
      kind: 'Input',
      params: { height: 8, width: 8, channels: 1 },
      position: { x: 0, y: 0 },
    },
    { id: 'flat', kind: 'Flatten', position: { x: 220, y: 0 } },
  ];
  const edges: unknown[] = [{ id: 'e0', source: 'image', target: 'flat' }];
  let previous = 'flat';
  for (let i = 0; i < 197; i++) {
    const id = `d${i}`;
    nodes.push({
      id,
      kind: 'Dense',
      params: { units: 8 },
      position: { x: ((i + 2) % 14) * 220, y: Math.floor((i + 2) / 14) * 180 },
    });
    edges.push({ id: `e${i + 1}`, source: previous, target: id });
    previous = id;
  }
  nodes.push({
    id: 'head',
    kind: 'ClassificationHead',
    params: { classes: 10 },
    position: { x: 0, y: 15 * 180 },
  });
  edges.push({ id: 'e-last', source: previous, target: 'head' });
  return parseGraphDocument({
    format: 'multitask-studio/graph',
    version: 1,
    name: '200 nodes',
    nodes,
    edges,
  });
}

/**
 * Starts recording frame intervals, long tasks and timer lag in the page. A string, because the
 * TypeScript runner would decorate the functions of a callback with helpers the page lacks.
 */
const PROBE = `(() => {
  const probe = { frames: [], longTasks: [], lags: [], stop: false };
  window.probe = probe;
  let last = performance.now();
  requestAnimationFrame(function frame(now) {
    probe.frames.push(now - last);
    last = now;
    if (!probe.stop) requestAnimationFrame(frame);
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push(e.duration);
  }).observe({ type: 'longtask' });
  let expected = performance.now() + 10;
  setTimeout(function tick() {
    const now = performance.now();
    probe.lags.push(Math.max(0, now - expected));
    expected = now + 10;
    if (!probe.stop) setTimeout(tick, 10);
  }, 10);
})()`;

const startProbe = (page: Page) => page.evaluate(PROBE);

/** How often the run panel's charts have drawn (RunLineChart's data-draws), and how many are in view. */
const chartDraws = (page: Page) =>
  page.evaluate(() => {
    const main = document.querySelector('[data-testid="run-main"]')?.getBoundingClientRect();
    const charts = [...document.querySelectorAll<HTMLElement>('.run-line-chart')];
    const inView = charts.filter((c) => {
      const box = c.getBoundingClientRect();
      return main !== undefined && box.bottom > main.top && box.top < main.bottom;
    });
    return {
      total: charts.reduce((sum, c) => sum + Number(c.dataset.draws ?? 0), 0),
      cards: charts.length,
      inView: inView.length,
    };
  });

async function stopProbe(page: Page) {
  return page.evaluate(() => {
    const probe = (
      window as unknown as {
        probe: { frames: number[]; longTasks: number[]; lags: number[]; stop: boolean };
      }
    ).probe;
    probe.stop = true;
    return { frames: probe.frames.slice(1), longTasks: probe.longTasks, lags: probe.lags };
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

const row = (name: string, m: Awaited<ReturnType<typeof stopProbe>>) => [
  name,
  median(m.frames).toFixed(1),
  percentile(m.frames, 95).toFixed(1),
  String(m.frames.filter((f) => f > 20).length) + ` of ${m.frames.length}`,
  String(m.longTasks.length),
  percentile(m.lags, 95).toFixed(1),
];

async function main(): Promise<void> {
  if (!hasChromium) {
    process.stderr.write(
      'error: The UI benchmark needs Chromium at /usr/bin/chromium (apt-get install chromium).\n',
    );
    process.exitCode = 1;
    return;
  }
  const studio = await startStudio();
  const { page } = studio;
  page.on('dialog', (d) => void d.accept());
  try {
    const bigFile = join(studio.runsDir, 'big.graph.json');
    await writeFile(bigFile, serializeGraphDocument(bigGraph()));
    await page.getByTestId('file-input').setInputFiles(bigFile);
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 200);
    await page.getByTestId('btn-fit').click();
    await page.waitForTimeout(500);
    const box = await nodeLocator(page, 'd50').boundingBox();
    if (!box) throw new Error('node d50 is not on screen');
    await startProbe(page);
    await page.mouse.move(box.x + box.width / 2, box.y + 8);
    await page.mouse.down();
    for (let i = 0; i < 120; i++) {
      await page.mouse.move(box.x + box.width / 2 + i * 2, box.y + 8 + Math.sin(i / 10) * 40);
    }
    await page.mouse.up();
    const drag = await stopProbe(page);

    const tinyFile = join(studio.runsDir, 'tiny.graph.json');
    const tiny = tinyReferenceGraph();
    await writeFile(
      tinyFile,
      serializeGraphDocument({ ...tiny, training: { ...tiny.training, epochs: 1000 } }),
    );
    await page.getByTestId('file-input').setInputFiles(tinyFile);
    await page.getByTestId('btn-start').click();
    await page.waitForFunction(() =>
      /batch \d+/.test(document.querySelector('[data-testid="run-progress"]')?.textContent ?? ''),
    );
    const drawsBefore = await chartDraws(page);
    await startProbe(page);
    await page.waitForTimeout(5000);
    const training = await stopProbe(page);
    const drawsAfter = await chartDraws(page);
    // Whether the run kept the engine's full event rate: a slowed trainer sends fewer events.
    const progress = (await page.getByTestId('run-progress').textContent()) ?? '';
    await page.getByTestId('btn-stop').click();

    process.stdout.write('UI responsiveness (headless Chromium, software rendering)\n\n');
    process.stdout.write(
      `${table(
        [
          [
            'scenario',
            'median frame ms',
            'p95 frame ms',
            'frames > 20 ms',
            'long tasks',
            'p95 timer lag ms',
          ],
          row('drag a node, 200-node graph', drag),
          row('training at 20 events/s', training),
        ],
        [1, 2, 3, 4, 5],
      )}\n`,
    );
    const rate = /[\d.]+ samples\/s/.exec(progress)?.[0] ?? 'an unknown rate';
    process.stdout.write(`\nThe run trained at ${rate} at the end of the measurement.\n`);
    const drawn = drawsAfter.total - drawsBefore.total;
    process.stdout.write(
      `The charts drew ${drawn} times in the 5 s; ${drawsAfter.inView} of ${drawsAfter.cards} cards were in view.\n`,
    );
  } finally {
    await studio.close();
  }
}

await main();
