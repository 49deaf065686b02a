import type { ClassIoURow, SplitMetrics, TaskMetrics } from './contract/training.ts';
import { METRIC_NAMES, METRIC_SPECS, type MetricName } from './tasks/registry.ts';
import type { MetricSpec } from './tasks/task.ts';

/** How numbers, durations and metrics read everywhere: the terminal, the app and the docs. */

const thousandsFormat = new Intl.NumberFormat('en-US');

/** 6313550 → "6,313,550", as Keras prints parameter counts. */
export const thousands = (n: number): string => thousandsFormat.format(n);

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 → "1.5 KiB", 3.2e10 → "29.8 GiB": three significant digits, binary units. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} bytes`;
  return `${value >= 100 ? Math.round(value) : Number(value.toPrecision(3))} ${UNITS[unit]}`;
}

/** Four decimals, like Keras' evaluate; non-finite values as they are ("NaN"). */
export const fixed = (n: number | undefined, digits = 4): string =>
  n === undefined ? '' : Number.isFinite(n) ? n.toFixed(digits) : String(n);

/** "3m12s", "1h05m", "42s"; "?" when unknown. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h}h${String(m).padStart(2, '0')}m`;
  return m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export type MetricKey = MetricName;

/**
 * Every metric a head can report, from the table of task kinds: its label for people, its name
 * in Keras' logs, its direction and the scale charts draw it on.
 */
export const METRICS: readonly ({ key: MetricKey } & MetricSpec)[] = METRIC_NAMES.map((key) => ({
  key,
  ...METRIC_SPECS[key],
}));

export const metricsOf = (t: TaskMetrics) => METRICS.filter((m) => t[m.key] !== undefined);

/** The line Keras' evaluate prints: "loss: 0.1234 - class_loss: 0.0500 - class_accuracy: …". */
export function kerasLine(m: SplitMetrics): string {
  const parts = [`loss: ${fixed(m.loss)}`];
  for (const [task, t] of Object.entries(m.tasks)) parts.push(`${task}_loss: ${fixed(t.loss)}`);
  for (const [task, t] of Object.entries(m.tasks)) {
    for (const metric of metricsOf(t))
      parts.push(`${task}_${metric.keras}: ${fixed(t[metric.key])}`);
  }
  return parts.join(' - ');
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

const escaped = (c: string) => {
  const named = NAMED_ESCAPES[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
};

/**
 * Text as a terminal may safely show it: control characters (escape sequences that retitle the
 * window or clear the screen, carriage returns), bidi controls that reorder what follows (U+202E
 * shows "exe.gnp" as "png.exe") and line separators become visible escapes such as "\\x1b".
 * Newlines and tabs stay: the command line passes all it prints through this.
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
    escaped,
  );
}

/**
 * A name, id or sentence inside a line (graph, task, run, dataset and class names come from files):
 * as printable, and its newlines and tabs escaped too, so it cannot make a line of its own.
 */
export const inline = (text: string): string => printable(text).replace(/[\n\t]/g, escaped);

/**
 * A mask class's row of the per-class IoU table as the CLI and the run panel print it; "–" for a
 * class neither in the truth nor predicted, which the mean IoU leaves out.
 */
export const classIoUCells = (row: ClassIoURow) => ({
  iou: row.iou === null ? '–' : fixed(row.iou, 4),
  pixels: thousands(row.pixels),
  share: `${(row.share * 100).toFixed(1)}%`,
});
