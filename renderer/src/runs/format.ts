import type { SplitMetrics } from '../../../core/contract/training.ts';
import { duration, fixed, metricsOf } from '../../../core/format.ts';

export { duration, fixed, kerasLine, METRICS, metricsOf, type MetricKey } from '../../../core/format.ts';
import type { RunProgress } from './run-reducer.ts';

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

/** "val loss 0.4123 · class accuracy 0.9120 · box mean IoU 0.6011": a run's last epoch, short. */
export function summaryText(m: SplitMetrics): string {
  const tasks = Object.entries(m.tasks).map(([task, t]) => {
    const first = metricsOf(t)[0];
    return first ? `${task} ${first.label} ${fixed(t[first.key], 3)}` : `${task} ${fixed(t.loss, 3)}`;
  });
  return [`loss ${fixed(m.loss)}`, ...tasks].join(' · ');
}
