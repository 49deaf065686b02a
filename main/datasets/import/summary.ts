/**
 * What a user wants to know about an imported dataset before training on it: how many images
 * in each split and class, what the boxes and values look like, and what was wrong in the data.
 * The summary is plain JSON (the command line prints it with --json, a run stores it); the text
 * form is for the terminal.
 */
import { targetSummary, type DatasetTarget } from '../../../core/dataset-target.ts';
import { objectsLine, type ObjectCounts } from '../../../core/detection/objects-line.ts';
import { fixed, inline, thousands } from '../../../core/format.ts';
import type { SplitName } from '../types.ts';
import { BAD_ROW_KINDS, PRIMARY_CLASS } from './types.ts';
import type {
  BadRowKind,
  CheckedDataset,
  ImportedIndex,
  ImportFormat,
  ObjectChoice,
  Sample,
} from './types.ts';

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];
/** Messages kept per kind of bad row: enough to see the pattern, not a second copy of the data. */
export const EXAMPLES_PER_KIND = 3;

export interface ValueStats {
  readonly min: number;
  readonly mean: number;
  readonly max: number;
}

export interface SplitCounts {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
  readonly total: number;
}

export interface DatasetSummary {
  readonly format: ImportFormat;
  readonly source: string;
  readonly root: string;
  readonly boxUnits?: ImportedIndex['boxUnits'];
  readonly splitFrom: CheckedDataset['splitFrom'];
  readonly images: SplitCounts;
  readonly classes: readonly ({ readonly name: string } & SplitCounts)[];
  /**
   * Every further task the data offers beside the class (CSV label columns, attributes): its
   * classes' images per split, or for attributes the images each attribute is on in.
   */
  readonly tasks: readonly LabelTaskCounts[];
  readonly targets: readonly DatasetTarget[];
  /** The chosen box of every image, as fractions of the image; absent without boxes. */
  readonly boxes?: {
    readonly count: number;
    readonly width: ValueStats;
    readonly height: ValueStats;
    readonly centerX: ValueStats;
    readonly centerY: ValueStats;
  };
  readonly values: readonly ({ readonly column: string } & ValueStats)[];
  /** Which object of a multi-object image the single-object heads learn. */
  readonly objectChoice: ObjectChoice;
  /** Images with several usable objects, and their share of all images kept. */
  readonly multiObjectImages: number;
  readonly multiObjectShare: number;
  /**
   * Every object the objects target keeps (a detection head learns them all), how many of them
   * are ignored (crowds, difficult ones), and the images past its limit; absent without boxes.
   */
  readonly objects?: ObjectCounts;
  readonly badRowCounts: Readonly<Partial<Record<BadRowKind, number>>>;
  readonly badRows: {
    readonly total: number;
    readonly dropped: number;
    readonly fixed: number;
    readonly byKind: readonly {
      readonly kind: BadRowKind;
      readonly count: number;
      readonly examples: readonly string[];
    }[];
  };
}

function objectCounts(checked: CheckedDataset, all: readonly Sample[]): ObjectCounts {
  const objects = all.flatMap((s) => s.objects ?? []);
  return {
    count: objects.length,
    ignored: objects.filter((o) => o.ignore).length,
    crowdedImages: checked.crowdedImages?.images ?? 0,
    leftOut: checked.crowdedImages?.objectsLeftOut ?? 0,
    ...(checked.backgroundImages
      ? {
          background: checked.backgroundImages.images,
          noLabelFile: checked.backgroundImages.noLabelFile,
        }
      : {}),
  };
}

export interface LabelTaskCounts {
  readonly task: string;
  readonly kind: 'class' | 'attributes';
  readonly classes: readonly ({ readonly name: string } & SplitCounts)[];
}

/** The further tasks' counts per split, in the order of the targets. */
function labelTaskCounts(checked: CheckedDataset): LabelTaskCounts[] {
  const { index, samples } = checked;
  const count = (test: (s: Sample) => boolean) =>
    countsOf((split) => samples[split].filter(test).length);
  const classTasks = (index.labelTasks ?? []).map((t) => ({
    task: t.name,
    kind: 'class' as const,
    classes: t.classes.map((name, c) => ({ name, ...count((s) => s.labels?.[t.name] === c) })),
  }));
  const attributes = index.attributes;
  return attributes
    ? [
        ...classTasks,
        {
          task: attributes.name,
          kind: 'attributes' as const,
          classes: attributes.names.map((name) => ({
            name,
            ...count((s) => s.values[name] === 1),
          })),
        },
      ]
    : classTasks;
}

function statsOf(values: readonly number[]): ValueStats {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, mean: sum / values.length, max };
}

function countsOf(perSplit: (split: SplitName) => number): SplitCounts {
  const [train, validation, test] = SPLITS.map(perSplit) as [number, number, number];
  return { train, validation, test, total: train + validation + test };
}

/** The summary of a checked dataset: counts, box and value statistics, the bad-row report. */
export function summarizeDataset(checked: CheckedDataset): DatasetSummary {
  const { index, samples } = checked;
  const all: Sample[] = SPLITS.flatMap((split) => samples[split]);
  const boxes = all.flatMap((s) => (s.box ? [s.box] : []));
  const byKind = BAD_ROW_KINDS.map((kind) => {
    const rows = checked.badRows.filter((r) => r.kind === kind);
    return {
      kind,
      count: rows.length,
      examples: rows.slice(0, EXAMPLES_PER_KIND).map((r) => r.message),
    };
  }).filter((k) => k.count > 0);
  return {
    format: index.format,
    source: index.source,
    root: index.root,
    ...(index.boxUnits ? { boxUnits: index.boxUnits } : {}),
    splitFrom: checked.splitFrom,
    images: countsOf((split) => samples[split].length),
    // A targets.json without a 'class' target (multidigits' left and right) lists its class
    // targets among the tasks; the objects' class is one of them, so it is not shown twice.
    classes: (checked.targets.some((t) => t.name === PRIMARY_CLASS && t.kind === 'class')
      ? index.classes
      : []
    ).map((name, c) => ({
      name,
      ...countsOf((split) => samples[split].filter((s) => s.classIndex === c).length),
    })),
    tasks: labelTaskCounts(checked),
    targets: checked.targets,
    ...(index.hasBoxes
      ? {
          boxes: {
            count: boxes.length,
            width: statsOf(boxes.map((b) => b[2] - b[0])),
            height: statsOf(boxes.map((b) => b[3] - b[1])),
            centerX: statsOf(boxes.map((b) => (b[0] + b[2]) / 2)),
            centerY: statsOf(boxes.map((b) => (b[1] + b[3]) / 2)),
          },
        }
      : {}),
    values: index.valueColumns.map((column) => ({
      column,
      ...statsOf(all.map((s) => s.values[column] ?? 0)),
    })),
    objectChoice: checked.objectChoice,
    multiObjectImages: checked.multiObjectImages,
    multiObjectShare: all.length > 0 ? checked.multiObjectImages / all.length : 0,
    ...(index.hasBoxes ? { objects: objectCounts(checked, all) } : {}),
    badRowCounts: Object.fromEntries(byKind.map((k) => [k.kind, k.count])),
    badRows: {
      total: checked.badRows.length,
      dropped: checked.badRows.filter((r) => r.action === 'dropped').length,
      fixed: checked.badRows.filter((r) => r.action === 'fixed').length,
      byKind,
    },
  };
}

/** Lays rows out in columns: the first column left-aligned, the others right-aligned. */
function table(given: readonly (readonly string[])[], indent = ''): string[] {
  // Class and column names come from the files: each shown on its one line.
  const rows = given.map((row) => row.map(inline));
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
  );
}

const FORMAT_LABELS: Readonly<Record<ImportFormat, string>> = {
  csv: 'CSV',
  coco: 'COCO',
  yolo: 'YOLO',
  voc: 'Pascal VOC',
  folder: 'image folders',
};

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** The summary as the command line prints it: a few labelled lines and small tables. */
export function formatSummary(summary: DatasetSummary): string {
  const lines: string[] = [];
  const units = summary.boxUnits
    ? `; boxes in ${summary.boxUnits.units === 'pixels' ? 'pixels' : 'fractions of the image'}, ${summary.boxUnits.how}`
    : '';
  lines.push(`Dataset   ${summary.source} (${FORMAT_LABELS[summary.format]}${units})`);
  if (summary.root !== summary.source) lines.push(`Images in ${summary.root}`);
  const { images } = summary;
  lines.push(
    `Images    ${thousands(images.total)}: train ${thousands(images.train)}, validation ${thousands(images.validation)}, test ${thousands(images.test)} (${summary.splitFrom === 'data' ? 'split as the data says' : 'split by ratio'})`,
  );
  lines.push(`Targets   ${summary.targets.map(targetSummary).join(', ')}`);
  if (summary.classes.length) {
    lines.push('');
    lines.push(
      ...table([
        ['Class', 'train', 'validation', 'test', 'total'],
        ...summary.classes.map((c) => [
          c.name,
          ...[c.train, c.validation, c.test, c.total].map(thousands),
        ]),
      ]),
    );
  }
  for (const task of summary.tasks) {
    lines.push('');
    lines.push(
      ...table([
        [
          task.kind === 'attributes' ? `${task.task} (attributes, images on)` : task.task,
          'train',
          'validation',
          'test',
          'total',
        ],
        ...task.classes.map((c) => [
          c.name,
          ...[c.train, c.validation, c.test, c.total].map(thousands),
        ]),
      ]),
    );
  }
  if (summary.boxes) {
    const { boxes } = summary;
    lines.push('');
    lines.push(`Boxes     ${thousands(boxes.count)}, as fractions of the image`);
    const row = (name: string, s: ValueStats) => [
      name,
      fixed(s.min, 3),
      fixed(s.mean, 3),
      fixed(s.max, 3),
    ];
    lines.push(
      ...table(
        [
          ['', 'min', 'mean', 'max'],
          row('width', boxes.width),
          row('height', boxes.height),
          row('centre x', boxes.centerX),
          row('centre y', boxes.centerY),
        ],
        '  ',
      ),
    );
    lines.push(
      `Objects   ${thousands(summary.multiObjectImages)} of ${thousands(images.total)} images (${percent(summary.multiObjectShare)}) have several; the ${summary.objectChoice === 'largest' ? 'largest' : 'first'} is learned by a box head.`,
    );
    if (summary.objects) lines.push(`          ${objectsLine(summary.objects)}`);
  }
  if (summary.values.length > 0) {
    lines.push('');
    lines.push(
      ...table([
        ['Value', 'min', 'mean', 'max'],
        ...summary.values.map((v) => [v.column, fixed(v.min), fixed(v.mean), fixed(v.max)]),
      ]),
    );
  }
  lines.push('');
  const { badRows } = summary;
  if (badRows.total === 0) {
    lines.push('Bad rows  none');
  } else {
    lines.push(
      `Bad rows  ${thousands(badRows.total)}: ${thousands(badRows.dropped)} skipped, ${thousands(badRows.fixed)} fixed`,
    );
    for (const kind of badRows.byKind) {
      lines.push(`  ${kind.kind} (${thousands(kind.count)})`);
      for (const example of kind.examples) lines.push(`    ${example}`);
      if (kind.count > kind.examples.length) {
        lines.push(`    … and ${thousands(kind.count - kind.examples.length)} more`);
      }
    }
  }
  // Each line one line, whatever names, paths and examples from the files hold.
  return lines.map(inline).join('\n');
}
