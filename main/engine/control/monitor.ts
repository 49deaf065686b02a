import type { BalancingMethodName } from '../../../core/balancing/methods.ts';
import {
  meanRelativeLoss,
  monitorLabel,
  resolvedMonitor,
  TASK_SCALE_MONITOR,
} from '../../../core/balancing/task-scale.ts';
import type { BestEpoch, EpochEvent, SplitMetrics } from '../../../core/contract/training.ts';
import type { HeadInfo } from '../../../core/graph/analyze.ts';
import type { EarlyStoppingSettings } from '../../../core/graph/training-control.ts';
import { StudioError } from '../../../core/problems.ts';
import { lowerIsBetter, type MetricName } from '../../../core/tasks/registry.ts';

export type MonitorMode = 'min' | 'max';

/** What a monitor remembers between epochs; JSON, so a resumed run carries on counting. */
export interface MonitorState {
  readonly best?: BestEpoch;
  /** Epochs since the best one. */
  readonly wait: number;
  /** The first epoch's validation, the task scale's reference (absent in older checkpoints). */
  readonly reference?: Pick<SplitMetrics, 'tasks'>;
}

export interface MonitorVerdict {
  readonly best: BestEpoch;
  readonly improved: boolean;
  /** Early stopping is on and patience ran out. */
  readonly stop: boolean;
}

export { monitorLabel };

/**
 * Checks a monitor name against the graph's heads and says whether lower or higher is better.
 * Throws a sentence naming the tasks and values there are.
 */
export function resolveMonitor(
  monitor: string,
  mode: EarlyStoppingSettings['mode'],
  heads: readonly HeadInfo[],
): MonitorMode {
  const whole = monitor === 'loss' || monitor === TASK_SCALE_MONITOR;
  const value = whole ? 'loss' : monitor.slice(monitor.indexOf('.') + 1);
  if (!whole) {
    const task = monitor.slice(0, monitor.indexOf('.'));
    const head = heads.find((h) => h.task === task);
    const offered = head ? ['loss', ...head.metrics] : [];
    if (!head || !offered.includes(value)) {
      const choices = [
        'auto',
        'loss',
        TASK_SCALE_MONITOR,
        ...heads.flatMap((h) => ['loss', ...h.metrics].map((m) => `${h.task}.${m}`)),
      ];
      throw new StudioError(
        'E_BAD_MONITOR',
        `The monitor '${monitor}' is not a value this graph reports; choose one of ${choices.join(', ')}.`,
      );
    }
  }
  if (mode !== 'auto') return mode;
  // The value was found among the head's: 'loss' or one of its kind's metrics.
  return lowerIsBetter(value as 'loss' | MetricName) ? 'min' : 'max';
}

/**
 * The monitored validation value of an epoch; the task scale divides by `reference`, the
 * run's first epoch's validation.
 */
export function monitoredValue(
  monitor: string,
  event: EpochEvent,
  reference?: Pick<SplitMetrics, 'tasks'>,
): number {
  if (monitor === 'loss') return event.val.loss;
  if (monitor === TASK_SCALE_MONITOR) return meanRelativeLoss(event.val, reference) ?? Number.NaN;
  const dot = monitor.indexOf('.');
  const task = event.val.tasks[monitor.slice(0, dot)];
  const value = task?.[monitor.slice(dot + 1) as keyof typeof task];
  return typeof value === 'number' ? value : Number.NaN;
}

/**
 * Keras' EarlyStopping bookkeeping: the best epoch by the monitored validation value (an
 * improvement must beat the best by more than `minDelta`), and how long it has been since.
 */
export class EpochMonitor {
  readonly mode: MonitorMode;
  /** What is watched: `auto` resolved by the balancing method. */
  readonly monitor: string;
  private state: MonitorState = { wait: 0 };

  constructor(
    private readonly settings: EarlyStoppingSettings,
    heads: readonly HeadInfo[],
    method: BalancingMethodName = 'fixed',
  ) {
    this.monitor = resolvedMonitor(settings.monitor, method);
    this.mode = resolveMonitor(this.monitor, settings.mode, heads);
  }

  /** The monitored value of an epoch; the first epoch seen becomes the task scale's reference. */
  valueOf(event: EpochEvent): number {
    if (!this.state.reference)
      this.state = { ...this.state, reference: { tasks: event.val.tasks } };
    return monitoredValue(this.monitor, event, this.state.reference);
  }

  get best(): BestEpoch | undefined {
    return this.state.best;
  }

  /** Whether `value` beats `reference` by more than `minDelta` in this monitor's direction. */
  improves(value: number, reference: number | undefined): boolean {
    if (!Number.isFinite(value)) return false;
    if (reference === undefined) return true;
    const delta = this.settings.minDelta;
    return this.mode === 'min' ? value < reference - delta : value > reference + delta;
  }

  update(event: EpochEvent): MonitorVerdict {
    const value = this.valueOf(event);
    const improved = this.improves(value, this.state.best?.value);
    this.state = improved
      ? { ...this.state, best: { epoch: event.epoch, monitor: this.monitor, value }, wait: 0 }
      : { ...this.state, wait: this.state.wait + 1 };
    const best = this.state.best ?? { epoch: event.epoch, monitor: this.monitor, value };
    const stop = this.settings.enabled && !improved && this.state.wait >= this.settings.patience;
    return { best, improved, stop };
  }

  /** The sentence for a run that early stopping ended. */
  stopReason(epoch: number): string {
    const best = this.state.best;
    const kept = !best
      ? ''
      : this.settings.restoreBest
        ? `; best epoch ${best.epoch} restored`
        : `; best epoch ${best.epoch}, the last epoch kept`;
    return `stopped early at epoch ${epoch}: ${monitorLabel(this.monitor)} did not improve for ${this.state.wait} epoch${this.state.wait === 1 ? '' : 's'}${kept}`;
  }

  getState(): MonitorState {
    return this.state;
  }

  setState(state: MonitorState): void {
    this.state = state;
  }
}
