import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../core/graph/load.ts';
import type { GraphDocument } from '../core/graph/schema.ts';
import { writeFixtureDataset } from '../main/datasets/import/test-fixtures.ts';
import { hasChromium, SCREENSHOTS } from './harness.ts';
import { laptopStudio } from './suite.ts';

/**
 * A COCO file and a Pascal VOC folder with two objects in some images (the second a crowd, or
 * difficult) imported from the app, trained on with the detection template for an epoch, and
 * every true box drawn in the gallery.
 */

const TEMPLATE = join(
  import.meta.dirname,
  '..',
  'assets',
  'examples',
  'digits-scenes-detect.graph.json',
);

/** The detection template learning an imported dataset's `objects` target of 3 classes. */
async function detectionGraph(): Promise<GraphDocument> {
  const doc = JSON.parse(await readFile(TEMPLATE, 'utf8')) as GraphDocument;
  return {
    ...doc,
    name: 'objects of an imported dataset',
    nodes: doc.nodes.map((n) =>
      n.kind === 'Input'
        ? { ...n, params: { ...n.params, height: 48, width: 48, channels: 3 } }
        : n.kind === 'DetectionHead'
          ? { ...n, params: { ...n.params, target: 'objects', classes: 3 } }
          : n,
    ),
    training: { ...doc.training, epochs: 1, batchSize: 8 },
  };
}

/** Images 1, 5, 9 (two objects each) are validation, 13 and 17 test, the rest training. */
const splitOf = (i: number) =>
  i % 4 !== 1 ? 'train' : i < 12 ? 'validation' : i < 20 ? 'test' : 'train';

describe.skipIf(!hasChromium)('importing detection data in Chromium', { timeout: 400_000 }, () => {
  const studio = laptopStudio();
  let temp: string;
  let cocoPath: string;
  let vocPath: string;

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-e2e-detect-import-'));
    const coco = await writeFixtureDataset(join(temp, 'coco'), 'coco', { multiObject: true });
    const json = JSON.parse(await readFile(coco.path, 'utf8')) as {
      images: { id: number; file_name: string; split?: string }[];
      annotations: { image_id: number; iscrowd?: number }[];
    };
    const seen = new Set<number>();
    for (const a of json.annotations) {
      if (seen.has(a.image_id)) a.iscrowd = 1;
      seen.add(a.image_id);
    }
    json.images.forEach((image, i) => (image.split = splitOf(i)));
    await writeFile(coco.path, JSON.stringify(json));
    cocoPath = coco.path;

    const voc = await writeFixtureDataset(join(temp, 'voc'), 'voc', { multiObject: true });
    const lists: Record<string, string[]> = { train: [], val: [], test: [] };
    for (const [i, image] of voc.images.entries()) {
      const xml = join(voc.path, 'Annotations', image.name.replace(/\.png$/, '.xml'));
      const text = await readFile(xml, 'utf8');
      const second = text.indexOf('<difficult>0</difficult>', text.indexOf('</object>'));
      if (second >= 0) {
        await writeFile(
          xml,
          `${text.slice(0, second)}<difficult>1</difficult>${text.slice(second + 24)}`,
        );
      }
      const split = splitOf(i);
      lists[split === 'validation' ? 'val' : split]!.push(image.name.replace(/\.png$/, ''));
    }
    await mkdir(join(voc.path, 'ImageSets', 'Main'), { recursive: true });
    for (const [name, ids] of Object.entries(lists)) {
      await writeFile(join(voc.path, 'ImageSets', 'Main', `${name}.txt`), `${ids.join('\n')}\n`);
    }
    vocPath = voc.path;
  }, 60_000);

  afterAll(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  for (const [format, name] of [
    ['COCO', 'coco'],
    ['Pascal VOC', 'voc'],
  ] as const) {
    it(`imports ${format} with every object, trains the detection head and draws every true box`, async () => {
      const { page } = studio();
      const graphFile = join(temp, `${name}.graph.json`);
      await writeFile(graphFile, serializeGraphDocument(await detectionGraph()));
      await page.getByTestId('file-input').setInputFiles(graphFile);
      await expect.poll(() => page.getByTestId('file-name').textContent()).toContain(name);

      await page.getByTestId('run-import-dataset').click();
      const dialog = page.getByTestId('dataset-dialog');
      await page.getByTestId('dataset-path').fill(name === 'coco' ? cocoPath : vocPath);
      await page.getByTestId('dataset-inspect').click();
      await expect
        .poll(() => dialog.getByTestId('dataset-images').textContent(), { timeout: 60_000 })
        .toContain('(24 images)');
      expect(await dialog.getByTestId('dataset-format').textContent()).toBe(format);
      expect(await dialog.getByTestId('dataset-targets').textContent()).toContain(
        'objects (objects of 3 classes: blue, green, red; up to 100 per image)',
      );
      expect(await dialog.textContent()).toContain(
        '30 objects (6 ignored: crowds or difficult) for a detection head.',
      );
      await dialog.screenshot({ path: join(SCREENSHOTS, `detection-import-${name}-dialog.png`) });
      await page.getByTestId('dataset-use').click();
      await expect.poll(() => page.getByTestId('dataset-dialog').count()).toBe(0);
      await expect.poll(() => page.getByTestId('problem-item').count()).toBe(0);

      await page.getByTestId('btn-start').click();
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 200_000 })
        .toContain('Finished');
      await page.getByTestId('gallery').scrollIntoViewIfNeeded();
      const labels = await page
        .getByTestId('gallery-item')
        .locator('canvas')
        .evaluateAll((canvases) => canvases.map((c) => c.getAttribute('aria-label') ?? ''));
      // The three validation images each hold two objects, the second ignored: both are drawn.
      const validation = labels.filter((l) => l.startsWith('Validation sample'));
      expect(validation).toHaveLength(3);
      for (const label of validation) expect(label).toMatch(/^Validation sample \d\. 2 objects · /);
      await page.getByTestId('score-threshold').fill('0.05');
      await page
        .getByTestId('gallery')
        .screenshot({ path: join(SCREENSHOTS, `detection-import-${name}-gallery.png`) });
    });
  }
});
