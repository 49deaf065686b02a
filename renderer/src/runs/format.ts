import type { SplitMetrics, TaskMetrics } from '../../../core/contract/training.ts';
import type { RunProgress } from './run-reducer.ts';

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

export type MetricKey = keyof Omit<TaskMetrics, 'loss'>;

export const METRICS: readonly { key: MetricKey; label: string; keras: string }[] = [
  { key: 'accuracy', label: 'accuracy', keras: 'accuracy' },
  { key: 'meanIoU', label: 'mean IoU', keras: 'mean_iou' },
  { key: 'iou50', label: 'IoU≥0.5', keras: 'iou50' },
  { key: 'mae', label: 'MAE', keras: 'mae' },
];

export const metricsOf = (t: TaskMetrics) => METRICS.filter((m) => t[m.key] !== undefined);

/** "epoch 2/5 · batch 120/250 · 55.3 samples/s · ETA 3m12s" */
export function progressText(p: RunProgress): string {
  return [
    `epoch ${p.epoch}/${p.epochs}`,
    `batch ${p.batch}/${p.batchesPerEpoch}`,
    p.samplesPerSec > 0 ? `${p.samplesPerSec.toFixed(1)} samples/s` : undefined,
    p.batch > 0 ? `ETA ${duration(p.etaSeconds)}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Share of all batches done, 0–1. */
export function progressFraction(p: RunProgress): number {
  const total = p.epochs * p.batchesPerEpoch;
  return total > 0 ? Math.min(1, ((p.epoch - 1) * p.batchesPerEpoch + p.batch) / total) : 0;
}

/** The line Keras' evaluate prints: "loss: 0.1234 - class_loss: 0.0500 - class_accuracy: …". */
export function kerasLine(m: SplitMetrics): string {
  const parts = [`loss: ${fixed(m.loss)}`];
  for (const [task, t] of Object.entries(m.tasks)) parts.push(`${task}_loss: ${fixed(t.loss)}`);
  for (const [task, t] of Object.entries(m.tasks)) {
    for (const metric of metricsOf(t)) parts.push(`${task}_${metric.keras}: ${fixed(t[metric.key])}`);
  }
  return parts.join(' - ');
}

/** "val loss 0.4123 · class accuracy 0.9120 · box mean IoU 0.6011": a run's last epoch, short. */
export function summaryText(m: SplitMetrics): string {
  const tasks = Object.entries(m.tasks).map(([task, t]) => {
    const first = metricsOf(t)[0];
    return first ? `${task} ${first.label} ${fixed(t[first.key], 3)}` : `${task} ${fixed(t.loss, 3)}`;
  });
  return [`loss ${fixed(m.loss)}`, ...tasks].join(' · ');
}
