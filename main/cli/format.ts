import type { SplitMetrics } from '../../core/contract/training.ts';
import { fixed, metricsOf } from '../../core/format.ts';

export { duration, fixed, thousands } from '../../core/format.ts';

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
  return table(rows, [1, 3]);
}

/**
 * Text as a terminal may safely show it: control characters (escape sequences that retitle the
 * window or clear the screen, carriage returns, bidi overrides) become visible escapes such as
 * "\\x1b". Newlines and tabs stay. Graph names, ids, class names and paths come from files.
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
    },
  );
}
