import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noLargeFixture } from './test-coco-fixtures.ts';
import { cli } from './test-cli.ts';

let work: string;
let gt: string;
let dt: string;
const at = (name: string) => join(work, name);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-coco-cli-'));
  const fixture = noLargeFixture();
  gt = at('gt.json');
  dt = at('dt.json');
  await writeFile(gt, JSON.stringify(fixture.gt));
  await writeFile(dt, JSON.stringify(fixture.detections));
  await writeFile(at('broken.json'), '{"images": [');
  await writeFile(at('no-bbox.json'), JSON.stringify([{ image_id: 1, category_id: 1, score: 1 }]));
  await writeFile(
    at('elsewhere.json'),
    JSON.stringify([{ image_id: 99, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }]),
  );
  await writeFile(
    at('stray.json'),
    JSON.stringify({
      images: [{ id: 1 }],
      annotations: [{ id: 5, image_id: 2, category_id: 1, bbox: [0, 0, 1, 1] }],
      categories: [{ id: 1, name: 'cat' }],
    }),
  );
  await writeFile(at('not-gt.json'), JSON.stringify({ images: [{ id: 1 }], categories: [] }));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('coco-eval', () => {
  it('prints the twelve lines, and with --per-class each category', async () => {
    const { code, out, err } = await cli('coco-eval', gt, dt, '--per-class');
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const lines = out.split('\n');
    expect(lines[0]).toBe(
      ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.550',
    );
    expect(lines[5]).toBe(
      ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000',
    );
    expect(lines.slice(13, 16)).toEqual([
      'category  id     AP   AP50   AP75',
      'cat        1  0.601  1.000  0.505',
      'dog        2  0.500  0.500  0.500',
    ]);
  });

  it('prints one JSON object with --json', async () => {
    const { code, out } = await cli('coco-eval', gt, dt, '--json', '--per-class');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.type).toBe('coco-eval');
    expect(result.stats).toHaveLength(12);
    expect(result.labels[5]).toBe('AP @[ IoU=0.50:0.95 | area=large | maxDets=100 ]');
    expect(result.stats[5]).toBe(-1);
    expect(result.perClass.map((c: { name: string }) => c.name)).toEqual(['cat', 'dog']);
  });

  it('names the file and the problem for bad input', async () => {
    const cases: [string[], string, number][] = [
      [[gt, at('none.json')], `There is no file ${at('none.json')}.`, 1],
      [[at('broken.json'), dt], `${at('broken.json')} is not JSON: `, 1],
      [
        [at('not-gt.json'), dt],
        `${at('not-gt.json')} is not a COCO ground-truth file: annotations is missing.`,
        1,
      ],
      [
        [gt, at('no-bbox.json')],
        `${at('no-bbox.json')} is not a COCO results file: [0].bbox must be [x, y, width, height]: four numbers.`,
        1,
      ],
      [
        [gt, at('elsewhere.json')],
        `${at('elsewhere.json')} does not fit ${gt}: Detection 1 names image 99, which is not among the ground truth's 2 images`,
        1,
      ],
      ...(process.platform === 'linux'
        ? [
            [[gt, '/dev/zero'], '/dev/zero is a device, not a COCO results file.', 1] as [
              string[],
              string,
              number,
            ],
          ]
        : []),
      [
        [at('stray.json'), dt],
        `${at('stray.json')}: Ground-truth annotation 1 (id 5) names image 2, which is not among the ground truth's 1 images: every annotation needs an image of the list.`,
        1,
      ],
      [[gt], "'coco-eval' takes a ground-truth file and a detections file", 2],
      [[gt, dt, '--area', 'small'], "'coco-eval' has no option --area", 2],
    ];
    for (const [args, sentence, exit] of cases) {
      const { code, out, err } = await cli('coco-eval', ...args);
      expect({ code, out }).toEqual({ code: exit, out: '' });
      expect(err).toContain(`error: ${sentence}`);
      expect(err.trim().split('\n')).toHaveLength(1);
    }
  });
});
