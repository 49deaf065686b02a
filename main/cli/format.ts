import type { SplitMetrics, TaskMetrics } from '../../core/contract/training.ts';

export const thousands = (n: number) => n.toLocaleString('en-US');

/** Left-aligned columns separated by two spaces; `right` lists columns aligned right. */
export function table(rows: readonly (readonly string[])[], right: readonly number[] = []): string {
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

export const fixed = (n: number | undefined, digits = 4) =>
  n === undefined ? '' : Number.isFinite(n) ? n.toFixed(digits) : String(n);

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m
      ? `${m}m${String(r).padStart(2, '0')}s`
      : `${r}s`;
}

const METRIC_LABELS: Record<keyof Omit<TaskMetrics, 'loss'>, string> = {
  accuracy: 'accuracy',
  meanIoU: 'mean IoU',
  iou50: 'IoU≥0.5',
  mae: 'MAE',
};

/** "class 0.2314 acc 0.9120 · box 0.1220 mean IoU 0.6011" for one split. */
export function compactMetrics(m: SplitMetrics): string {
  return Object.entries(m.tasks)
    .map(([task, t]) => {
      const metrics = (Object.keys(METRIC_LABELS) as (keyof typeof METRIC_LABELS)[])
        .filter((k) => t[k] !== undefined)
        .map((k) => `${METRIC_LABELS[k]} ${fixed(t[k])}`);
      return [`${task} loss ${fixed(t.loss)}`, ...metrics].join(' ');
    })
    .join(' · ');
}

/** What Keras' evaluate prints, as a table: total, then each task's loss and metrics. */
export function evaluationTable(m: SplitMetrics): string {
  const rows: string[][] = [['task', 'loss', 'metric', 'value']];
  rows.push(['(total)', fixed(m.loss), '', '']);
  for (const [task, t] of Object.entries(m.tasks)) {
    const metrics = (Object.keys(METRIC_LABELS) as (keyof typeof METRIC_LABELS)[]).filter(
      (k) => t[k] !== undefined,
    );
    metrics.forEach((k, i) =>
      rows.push([i === 0 ? task : '', i === 0 ? fixed(t.loss) : '', METRIC_LABELS[k], fixed(t[k])]),
    );
    if (metrics.length === 0) rows.push([task, fixed(t.loss), '', '']);
  }
  return table(rows, [1, 3]);
}
