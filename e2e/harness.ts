import { expect } from 'vitest';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { createWebHost, type WebHost } from '../main/web/web-server.ts';

/**
 * End-to-end tests drive the real app: the renderer built by Vite, served by the browser host
 * with real training processes, in Debian's Chromium (no browser download is possible here).
 */
export const ROOT = join(import.meta.dirname, '..');
export const CHROMIUM = process.env.MTS_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const SCREENSHOTS = join(ROOT, 'out', 'screenshots');

/**
 * The browser tests serve a renderer built by their own process into a folder of its own: test
 * files run side by side, and a build empties its folder first, so a shared folder could lose its
 * files under a page another process is serving.
 */
const E2E_RENDERER = join(ROOT, 'out', `renderer-e2e-${process.pid}`);

const builds = new Map<string, Promise<void>>();

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Test processes are ended without an exit hook: the next one removes their renderer folders. */
function removeBuildsOfEndedProcesses(): void {
  const out = join(ROOT, 'out');
  if (!existsSync(out)) return;
  for (const name of readdirSync(out)) {
    const pid = Number(/^renderer-e2e-(\d+)$/.exec(name)?.[1]);
    if (pid && !isRunning(pid)) rmSync(join(out, name), { recursive: true, force: true });
  }
}

/** Builds the renderer once per test process and folder (by default where the desktop app loads it). */
export function buildRenderer(outDir = join(ROOT, 'out', 'renderer')): Promise<void> {
  let built = builds.get(outDir);
  if (!built) {
    built = build({
      configFile: join(ROOT, 'renderer/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir },
    }).then(() => undefined);
    builds.set(outDir, built);
    if (outDir === E2E_RENDERER) removeBuildsOfEndedProcesses();
  }
  return built;
}

export interface Studio {
  readonly host: WebHost;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors in the page; a test that ends with any has found a bug. */
  readonly pageErrors: string[];
  readonly runsDir: string;
  close(): Promise<void>;
}

export async function startStudio(): Promise<Studio> {
  await buildRenderer(E2E_RENDERER);
  const runsDir = await mkdtemp(join(tmpdir(), 'mts-e2e-runs-'));
  const datasetsDir = await mkdtemp(join(tmpdir(), 'mts-e2e-datasets-'));
  const host = await createWebHost({
    port: 0,
    staticDir: E2E_RENDERER,
    runsDir,
    datasetsDir,
    examplesDir: join(ROOT, 'assets/examples'),
    log: () => undefined,
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const context = await browser.newContext({
    acceptDownloads: true,
    // The canvas then moves without animation, so no click lands on a view in motion.
    reducedMotion: 'reduce',
    viewport: { width: 1600, height: 1000 },
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${host.url}?token=${host.token}`);
  await page.locator('.react-flow__node').first().waitFor();
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    host,
    browser,
    context,
    page,
    pageErrors,
    runsDir,
    close: async () => {
      await browser.close();
      await host.close();
      await rm(runsDir, { recursive: true, force: true });
      await rm(datasetsDir, { recursive: true, force: true });
    },
  };
}

export const nodeLocator = (page: Page, id: string) =>
  page.locator(`.react-flow__node[data-id="${id}"]`);

/**
 * Brings a node fully into the canvas' view, as a user pans to it, and waits for the view to
 * settle. A node outside the view cannot be clicked reliably: the browser scrolls the canvas to
 * reach it, the canvas scrolls itself back between the press and the release, and the click
 * lands on whatever is under the pointer then.
 */
export async function revealNode(page: Page, id: string): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt++) {
    await waitForSteadyView(page);
    const pan = await page.evaluate((nodeId) => {
      const pane = document.querySelector('.studio-flow .react-flow')?.getBoundingClientRect();
      const node = document
        .querySelector(`.react-flow__node[data-id="${nodeId}"]`)
        ?.getBoundingClientRect();
      if (!pane || !node) throw new Error(`Node ${nodeId} is not on the canvas.`);
      // Wholly inside the canvas, or the browser scrolls to it; and not under the minimap.
      const inside =
        node.left >= pane.left &&
        node.right <= pane.right &&
        node.top >= pane.top &&
        node.bottom <= pane.bottom;
      const centre = { x: (node.left + node.right) / 2, y: (node.top + node.bottom) / 2 };
      const hit = document.elementFromPoint(centre.x, centre.y);
      if (inside && hit?.closest('.react-flow__node')?.getAttribute('data-id') === nodeId) {
        return null;
      }
      // Grab the canvas where it is empty and move the node's centre to the canvas' centre
      // (above the minimap and the zoom buttons in its bottom corners).
      const bottom = pane.bottom - 120;
      for (let y = pane.top + 8; y < bottom; y += 12) {
        for (let x = pane.left + 8; x < pane.right - 8; x += 12) {
          if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane')) {
            return {
              from: { x, y },
              by: {
                x: (pane.left + pane.right) / 2 - centre.x,
                y: (pane.top + bottom) / 2 - centre.y,
              },
            };
          }
        }
      }
      throw new Error('The canvas has no empty place to pan it by.');
    }, id);
    if (!pan) return;
    await page.mouse.move(pan.from.x, pan.from.y);
    await page.mouse.down();
    await page.mouse.move(pan.from.x + pan.by.x / 2, pan.from.y + pan.by.y / 2, { steps: 4 });
    await page.mouse.move(pan.from.x + pan.by.x, pan.from.y + pan.by.y, { steps: 4 });
    await page.mouse.up();
  }
  throw new Error(`Node ${id} could not be brought into view.`);
}

/** Clicks a node as a user does: pans to it first where it is out of view. */
export async function clickNode(
  page: Page,
  id: string,
  options?: Parameters<ReturnType<Page['locator']>['click']>[0],
): Promise<void> {
  await revealNode(page, id);
  await nodeLocator(page, id).click(options);
}

async function centre(page: Page, selector: string) {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags from one node's output handle to another's input port, as a user connects them. */
export async function connect(page: Page, source: string, target: string, port = 'in') {
  const from = await centre(
    page,
    `.react-flow__node[data-id="${source}"] .react-flow__handle[data-handleid="out"]`,
  );
  const to = await centre(
    page,
    `.react-flow__node[data-id="${target}"] .react-flow__handle[data-handleid="${port}"]`,
  );
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
}

/**
 * Links two handles by dragging, again when the drag was lost (a busy machine can drop the
 * pointer's moves), until the canvas has one more edge.
 */
export async function connectUntilLinked(
  page: Page,
  source: string,
  target: string,
  port?: string,
): Promise<void> {
  const edges = page.locator('.react-flow__edge');
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = await edges.count();
    await connect(page, source, target, port);
    const linked = await expect
      .poll(() => edges.count(), { timeout: 5_000 })
      .toBeGreaterThan(before)
      .then(
        () => true,
        () => false,
      );
    if (linked) return;
  }
  throw new Error(`Dragging from ${source} to ${target} made no edge in three tries.`);
}

/** Drags a palette item onto the canvas at a point relative to the canvas's top-left corner. */
export async function dropFromPalette(page: Page, kind: string, x: number, y: number) {
  await page
    .getByTestId(`palette-item-${kind}`)
    .dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
}

/**
 * Reloads the app as a user does. Unsaved work is offered back after a reload (the restore
 * dialog); this discards it, for tests about something else: the autosave has its own test.
 */
export async function reloadDiscardingUnsaved(page: Page): Promise<void> {
  await page.reload();
  await page.locator('.react-flow__node').first().waitFor();
  const discard = page.getByTestId('restore-discard');
  if ((await discard.count()) > 0) await discard.click();
}

/**
 * Waits until the canvas' view has not moved for a few frames: a fit is asynchronous (it waits for
 * the nodes' sizes), and a click computed before it lands must not meet a view that moves after.
 */
export async function waitForSteadyView(page: Page): Promise<void> {
  const transform = () => page.locator('.react-flow__viewport').getAttribute('style');
  let last = await transform();
  let steady = 0;
  for (let i = 0; i < 100 && steady < 5; i++) {
    await page.waitForTimeout(100);
    const now = await transform();
    steady = now === last ? steady + 1 : 0;
    last = now;
  }
}

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

/**
 * Sets the run panel's sample limit and epochs, starts a run and waits until it says Finished:
 * the short training run most end-to-end tests make.
 */
export async function trainFromPanel(
  page: Page,
  settings: { readonly limit: number; readonly epochs: number },
  timeoutMs: number,
): Promise<void> {
  for (const [id, value] of [
    ['run-limit', settings.limit],
    ['run-epochs', settings.epochs],
  ] as const) {
    await page.getByTestId(id).fill(String(value));
    await page.getByTestId(id).press('Enter');
  }
  await page.getByTestId('btn-start').click();
  await expect
    .poll(() => page.getByTestId('run-status').textContent(), { timeout: timeoutMs })
    .toContain('Finished');
}
