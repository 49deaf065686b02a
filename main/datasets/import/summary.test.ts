import { afterEach, describe, expect, it } from 'vitest';
import { checkIndex } from './check.ts';
import { readIndex } from './detect.ts';
import { formatSummary, summarizeDataset } from './summary.ts';
import { temporaryFolders, writeFixtureDataset } from './test-fixtures.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

async function summaryOf(spec: Parameters<typeof writeFixtureDataset>[2]) {
  const fixture = await writeFixtureDataset(await folders.make(), 'csv', spec);
  return { fixture, summary: summarizeDataset(await checkIndex(await readIndex(fixture.path))) };
}

describe('the dataset summary', () => {
  it('counts images per split and class and describes the boxes and values', async () => {
    const { fixture, summary } = await summaryOf({ multiObject: true, values: true, splits: true });
    expect(summary.images).toEqual({ train: 18, validation: 3, test: 3, total: 24 });
    expect(summary.splitFrom).toBe('data');
    expect(summary.classes.map((c) => [c.name, c.total])).toEqual([
      ['blue', 8],
      ['green', 8],
      ['red', 8],
    ]);
    const widths = fixture.images.map((i) => (i.box[2] - i.box[0]) / i.width);
    expect(summary.boxes?.count).toBe(24);
    expect(summary.boxes?.width.min).toBeCloseTo(Math.min(...widths), 12);
    expect(summary.boxes?.width.max).toBeCloseTo(Math.max(...widths), 12);
    expect([summary.objectChoice, summary.multiObjectImages, summary.multiObjectShare]).toEqual([
      'largest',
      6,
      0.25,
    ]);
    expect(summary.objects).toEqual({
      count: fixture.images.reduce((sum, i) => sum + i.objects.length, 0),
      ignored: 0,
      crowdedImages: 0,
      leftOut: 0,
    });
    expect(summary.values.map((v) => v.column)).toEqual(['area', 'aspect']);
    expect(summary.badRows).toEqual({ total: 0, dropped: 0, fixed: 0, byKind: [] });
    expect(summary.badRowCounts).toEqual({});
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('keeps the first few messages of each kind of bad row', async () => {
    const { summary } = await summaryOf({ broken: ['missing-file', 'box-clipped', 'box-empty'] });
    expect(summary.badRows.total).toBe(4);
    expect(summary.badRows.fixed).toBe(1);
    expect(summary.badRows.byKind.map((k) => [k.kind, k.count])).toEqual([
      ['missing-file', 1],
      ['box-clipped', 1],
      ['box-empty', 1],
      ['no-objects', 1],
    ]);
    expect(summary.badRows.byKind[0]?.examples[0]).toContain("'missing_file.png'");
    expect(summary.badRowCounts).toEqual({
      'missing-file': 1,
      'box-clipped': 1,
      'box-empty': 1,
      'no-objects': 1,
    });
  });

  it('prints as a table for the command line', async () => {
    const { summary } = await summaryOf({ values: true, broken: ['missing-file'] });
    const text = formatSummary(summary);
    expect(text).toContain('(CSV; boxes in pixels, detected)');
    expect(text).toMatch(/Images {4}24: train \d+, validation \d+, test \d+ \(split by ratio\)/);
    expect(text).toContain(
      'Targets   class (3 classes: blue, green, red), box (a bounding box), objects (objects of 3 classes: blue, green, red; up to 100 per image), area (1 value: area), aspect (1 value: aspect), values (2 values: area, aspect)',
    );
    expect(text).toMatch(/Class\s+train\s+validation\s+test\s+total\nblue\s+\d+/);
    expect(text).toMatch(/ {2}centre x\s+0\.\d{3}\s+0\.\d{3}\s+0\.\d{3}/);
    expect(text).toContain(
      "Bad rows  1: 1 skipped, 0 fixed\n  missing-file (1)\n    'missing_file.png'",
    );
  });
});
