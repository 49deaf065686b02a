import type { SplitMetrics } from '../../core/contract/training.ts';
import { classIoUCells, fixed, inline, metricsOf } from '../../core/format.ts';

export { duration, fixed, inline, printable, thousands } from '../../core/format.ts';

/**
 * Left-aligned columns separated by two spaces; `right` lists columns aligned right. A cell is one
 * line: a name in it is shown inline.
 */
export function table(
  given: readonly (readonly string[])[],
  right: readonly number[] = [],
): string {
  const rows = given.map((row) => row.map(inline));
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          right.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** "class loss 0.2314 accuracy 0.9120 · box loss 0.1220 mean IoU 0.6011" for one split. */
export function compactMetrics(m: SplitMetrics): string {
  return Object.entries(m.tasks)
    .map(([task, t]) =>
      [
        `${task} loss ${fixed(t.loss)}`,
        ...metricsOf(t).map((k) => `${k.label} ${fixed(t[k.key])}`),
      ].join(' '),
    )
    .join(' · ');
}

/** What Keras' evaluate prints, as a table: total, then each task's loss and metrics. */
export function evaluationTable(m: SplitMetrics): string {
  const rows: string[][] = [['task', 'loss', 'metric', 'value']];
  rows.push(['(total)', fixed(m.loss), '', '']);
  for (const [task, t] of Object.entries(m.tasks)) {
    const metrics = metricsOf(t);
    metrics.forEach((k, i) =>
      rows.push([i === 0 ? task : '', i === 0 ? fixed(t.loss) : '', k.label, fixed(t[k.key])]),
    );
    if (metrics.length === 0) rows.push([task, fixed(t.loss), '', '']);
  }
  return [table(rows, [1, 3]), ...perClassTables(m)].join('\n\n');
}

/** Each mask head's per-class IoU, with the pixels of each class in the truth. */
function perClassTables(m: SplitMetrics): string[] {
  return Object.entries(m.perClass ?? {}).map(([task, classes]) => {
    const rows = [['class', 'IoU', 'pixels', 'share']];
    for (const row of classes) {
      const cells = classIoUCells(row);
      rows.push([row.name, cells.iou, cells.pixels, cells.share]);
    }
    return `${inline(task)}: IoU per class (– for a class neither in the truth nor predicted)\n${table(rows, [1, 2, 3])}`;
  });
}
