import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainingData } from '../datasets/index.ts';
import { openImportedDataset } from '../datasets/import/index.ts';
import { temporaryFolders, writeFixtureDataset } from '../datasets/import/test-fixtures.ts';
import { exportDatasetFiles } from './dataset.ts';
import { DATASET_ANNOTATIONS } from './dataset-layout.ts';
import { loadBuiltInDataset } from '../datasets/index.ts';
import { asTrainingData } from '../engine/batches.ts';
import { writeExportFolder } from './index.ts';
import { TRAIN_PY } from './pytorch-train.ts';
import { runPython } from './test-python.ts';
import { SPLITS, tensorsOf } from './test-dataset.ts';

const folders = temporaryFolders('studio-dataset-export-');
afterAll(() => folders.cleanup());

const open = (path: string) => openImportedDataset(path, { imageShape: [16, 16, 3], seed: 5 });

describe('dataset export', () => {
  it('exports an imported dataset (after its check) that re-imports to identical tensors', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'csv', {
      images: 30,
      values: true,
      broken: ['missing-file'],
    });
    const { data, report } = await open(fixture.path);
    expect(report.dropped).toBe(1);
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(data, 'csv'),
    );
    const again = await open(`${out}/${DATASET_ANNOTATIONS}`);
    expect(again.report.dropped).toBe(0);
    expect(again.data.targets).toEqual(data.targets);
    const [before, after] = [await tensorsOf(data), await tensorsOf(again.data)];
    for (const split of SPLITS) {
      expect(after[split].size, split).toBe(before[split].size);
      expect(Buffer.from(after[split].images).equals(Buffer.from(before[split].images))).toBe(true);
      for (const [name, values] of Object.entries(before[split].targets)) {
        expect(Array.from(after[split].targets[name]!), `${split} ${name}`).toEqual(
          Array.from(values),
        );
      }
    }
    await data.close?.();
    await again.data.close?.();
  });

  it('exports classes with boxes as YOLO, which the YOLO import reads back', async () => {
    const shapes = asTrainingData(
      loadBuiltInDataset('shapes', { imageShape: [16, 16, 3], seed: 2, limit: 40 }),
    );
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(shapes, 'yolo'),
    );
    const again = await open(out);
    expect(again.report.format).toBe('yolo');
    expect(again.report.dropped).toBe(0);
    const [before, after] = [await tensorsOf(shapes), await tensorsOf(again.data)];
    for (const split of SPLITS) {
      expect(after[split].size, split).toBe(before[split].size);
      expect(Buffer.from(after[split].images).equals(Buffer.from(before[split].images))).toBe(true);
      expect(Array.from(after[split].targets.class!)).toEqual(
        Array.from(before[split].targets.class!),
      );
      const boxes = Array.from(after[split].targets.box!);
      Array.from(before[split].targets.box!).forEach((v, i) => expect(boxes[i]).toBeCloseTo(v, 5));
    }
    await again.data.close?.();
  });

  it('exports classes with boxes as COCO, which the COCO import reads back', async () => {
    const shapes = asTrainingData(
      loadBuiltInDataset('shapes', { imageShape: [16, 16, 3], seed: 2, limit: 40 }),
    );
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(shapes, 'coco'),
    );
    const again = await open(`${out}/annotations.json`);
    expect(again.report).toMatchObject({ format: 'coco', dropped: 0 });
    const before = await tensorsOf(shapes);
    const after = await tensorsOf(again.data);
    const total = (t: typeof before) => SPLITS.reduce((n, s) => n + t[s].size, 0);
    expect(total(after)).toBe(total(before));
    expect(again.data.targets.find((t) => t.kind === 'class')).toEqual(
      shapes.targets.find((t) => t.kind === 'class'),
    );
    await again.data.close?.();
  });
});

/** Texts a spreadsheet would run, CSV would split, or a reader would trim or strip. */
const HOSTILE = [
  '=HYPERLINK("http://example.com","x")',
  '+1+2',
  '-2+3',
  '@SUM(A1)',
  '\t=1',
  '\r=1',
  "'=already marked",
  "''=twice",
  "'plain",
  "'",
  'a,b',
  'semi;colon;s;here',
  'say "hi"',
  '"',
  'two\nlines',
  'cr\rhere',
  ' spaced ',
  'tab\tinside',
  'ü\u202etxt',
  '日本',
] as const;

/** The shapes dataset with its class names and value column names replaced. */
function shapesNamed(classes: readonly string[], columns: readonly string[]): TrainingData {
  const shapes = asTrainingData(
    loadBuiltInDataset('shapes', { imageShape: [16, 16, 3], seed: 2, limit: 30 }),
  );
  return {
    ...shapes,
    targets: shapes.targets.map((t) =>
      t.kind === 'class' ? { ...t, classes } : t.kind === 'numeric' ? { ...t, columns } : t,
    ),
  };
}

/** Each sample's class name, split by split, in sample order. */
async function classNamesOf(data: TrainingData): Promise<string[]> {
  const target = data.targets.find((t) => t.kind === 'class')!;
  const tensors = await tensorsOf(data);
  return SPLITS.flatMap((s) =>
    Array.from(tensors[s].targets[target.name]!, (i) => target.classes[i]!),
  );
}

describe('dataset export of hostile names', () => {
  // Five classes and three value columns a dataset, until every hostile text has been both.
  const groups = [0, 5, 10, 15].map((start) => ({
    classes: HOSTILE.slice(start, start + 5),
    columns: [0, 1, 2].map((k) => HOSTILE[(start + 7 + k) % HOSTILE.length]!),
  }));

  it.each(groups)(
    'writes CSV no spreadsheet runs and the CSV import reads back as it was: $classes',
    async ({ classes, columns }) => {
      const data = shapesNamed(classes, columns);
      const files = await exportDatasetFiles(data, 'csv');
      const csv = new TextDecoder().decode(files.get(DATASET_ANNOTATIONS));
      // No cell, quoted or not, begins with a character that starts a formula.
      const cells = csv.split(/,|\n/).map((c) => c.replace(/^"/, ''));
      expect(cells.filter((c) => /^[=+@\t\r]|^-[^0-9]/.test(c))).toEqual([]);
      const out = await writeExportFolder(await folders.make(), files);
      const again = await open(`${out}/${DATASET_ANNOTATIONS}`);
      expect(again.report.dropped).toBe(0);
      const classTarget = again.data.targets.find((t) => t.kind === 'class');
      expect(new Set(classTarget?.classes)).toEqual(new Set(classes));
      // targets.json beside the CSV gives the targets back as they were, value columns included.
      expect(again.data.targets).toEqual(data.targets);
      expect(again.data.targets.find((t) => t.kind === 'numeric')).toMatchObject({ columns });
      expect(await classNamesOf(again.data)).toEqual(await classNamesOf(data));
      await again.data.close?.();
    },
  );

  it("is read back as it was by the exported projects' train.py", async () => {
    const [classes, columns] = [HOSTILE.slice(0, 5), HOSTILE.slice(10, 13)];
    const data = shapesNamed(classes, columns);
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(data, 'csv'),
    );
    // train.py's own reading of the file, without torch: its cell() and csv.DictReader.
    const script = [
      'import ast, csv, json, re, sys',
      'source = open(sys.argv[1]).read()',
      "cell = next(n for n in ast.parse(source).body if getattr(n, 'name', '') == 'cell')",
      'exec(compile(ast.Module([cell], []), "train.py", "exec"))',
      'with open(sys.argv[2], newline="") as f:',
      '    rows = [{cell(k): cell(v) for k, v in r.items()} for r in csv.DictReader(f)]',
      'print(json.dumps({"classes": [r["class"] for r in rows], "columns": list(rows[0])}))',
    ].join('\n');
    await writeFile(join(out, 'train.py'), TRAIN_PY);
    const read = JSON.parse(
      await runPython(['-c', script, 'train.py', DATASET_ANNOTATIONS], out),
    ) as { classes: string[]; columns: string[] };
    // The value columns in their order (the shapes mask's column follows them).
    expect(read.columns.filter((c) => (columns as string[]).includes(c))).toEqual(columns);
    expect(read.classes).toEqual(await classNamesOf(data));
  });

  it('reads hostile names back from YOLO and COCO, and refuses a YOLO class with a line break', async () => {
    const plain = HOSTILE.filter((name) => !/[\r\n]|^\s|\s$/.test(name)).slice(0, 5);
    const yolo = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(shapesNamed(plain, ['r', 'g', 'b']), 'yolo'),
    );
    const fromYolo = await open(yolo);
    expect(fromYolo.data.targets.find((t) => t.kind === 'class')).toMatchObject({
      classes: plain,
    });
    await fromYolo.data.close?.();

    const broken = ['circle', 'two\nlines', 'square', 'triangle', 'cross'];
    await expect(exportDatasetFiles(shapesNamed(broken, ['r', 'g', 'b']), 'yolo')).rejects.toThrow(
      `The class "two\\nlines" of the dataset 'shapes' holds a line break, which YOLO's classes.txt (one name a line) cannot hold; rename it, or export as csv or coco.`,
    );
    const spaced = ['circle', ' spaced ', 'square', 'triangle', 'cross'];
    await expect(exportDatasetFiles(shapesNamed(spaced, ['r', 'g', 'b']), 'yolo')).rejects.toThrow(
      'starts or ends with a space',
    );

    const coco = HOSTILE.slice(14, 19);
    const out = await writeExportFolder(
      await folders.make(),
      await exportDatasetFiles(shapesNamed(coco, ['r', 'g', 'b']), 'coco'),
    );
    const fromCoco = await open(`${out}/annotations.json`);
    expect(fromCoco.data.targets.find((t) => t.kind === 'class')).toMatchObject({
      classes: coco,
    });
    await fromCoco.data.close?.();
  });
});
