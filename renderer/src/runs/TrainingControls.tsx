import { balancingSpec } from '../../../core/balancing/methods.ts';
import { monitorLabel, resolvedMonitor } from '../../../core/balancing/task-scale.ts';
import {
  settingField,
  type SettingPath,
} from '../../../core/graph/setting-fields.ts';
import {
  SCHEDULE_KINDS,
  type EarlyStoppingSettings,
  type ScheduleKind,
  type ScheduleSettings,
} from '../../../core/graph/training-control.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { NumberField } from './NumberField.tsx';
import { editTraining } from './training-edit.ts';

const SCHEDULE_LABELS: Record<ScheduleKind, string> = {
  constant: 'Constant',
  step: 'Step decay',
  cosine: 'Cosine, warm-up',
  plateau: 'Reduce on plateau',
};

/** Which of the schedule's own numbers each kind uses. */
const SCHEDULE_FIELDS: Record<ScheduleKind, readonly (keyof ScheduleSettings)[]> = {
  constant: [],
  step: ['stepEpochs', 'factor'],
  cosine: ['warmupEpochs', 'minLearningRate'],
  plateau: ['factor', 'patience', 'minLearningRate'],
};

const SCHEDULE_NUMBER_LABELS: Partial<Record<keyof ScheduleSettings, string>> = {
  warmupEpochs: 'Warm-up epochs',
  minLearningRate: 'Lowest rate',
  stepEpochs: 'Every N epochs',
  factor: 'Factor',
  patience: 'Plateau patience',
};

const doc = (path: SettingPath) => settingField(path).description;

/**
 * The best-epoch, schedule and regularisation settings of the graph, folded under one line:
 * early stopping and its monitor, the learning-rate schedule, weight decay and clipping.
 */
export function TrainingControls() {
  const training = useGraphStore((s) => s.document.training);
  const heads = useGraphStore((s) => s.analysis.heads);
  const { earlyStopping, schedule } = training;
  const stopping = (patch: Partial<EarlyStoppingSettings>) =>
    editTraining({ earlyStopping: { ...earlyStopping, ...patch } });
  const scheduling = (patch: Partial<ScheduleSettings>) =>
    editTraining({ schedule: { ...schedule, ...patch } });
  const monitors = [
    'auto',
    'loss',
    'tasks',
    ...heads.flatMap((h) => ['loss', ...h.metrics].map((m) => `${h.task}.${m}`)),
  ];
  if (!monitors.includes(earlyStopping.monitor)) monitors.push(earlyStopping.monitor);
  const method = training.balancing.method;
  // What "automatic" watches with this graph's method, said where it is chosen.
  const automatic =
    method === 'fixed'
      ? `automatic: ${monitorLabel('loss')}`
      : `automatic: ${monitorLabel('tasks')} (${balancingSpec(method).title} moves the weights)`;
  const summary = [
    earlyStopping.enabled ? `stop after ${earlyStopping.patience} flat epochs` : 'no early stop',
    SCHEDULE_LABELS[schedule.kind].toLowerCase(),
    training.weightDecay > 0 ? `decay ${training.weightDecay}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');

  return (
    <details className="run-controls-settings" data-testid="run-training-controls">
      <summary title="Which epoch is kept, when to stop, the learning-rate schedule, weight decay and clipping">
        Best epoch and schedule: {summary}
      </summary>
      <div className="run-settings-grid">
        <label className="run-field run-field-wide" title={doc('earlyStopping.monitor')}>
          <span>Best epoch by</span>
          <select
            data-testid="run-monitor"
            value={earlyStopping.monitor}
            onChange={(e) => stopping({ monitor: e.target.value })}
          >
            {monitors.map((m) => (
              <option key={m} value={m}>
                {m === 'auto' ? automatic : monitorLabel(m)}
              </option>
            ))}
          </select>
        </label>
        {resolvedMonitor(earlyStopping.monitor, method) === 'loss' && method !== 'fixed' && (
          <p className="run-note run-field-wide" data-testid="run-monitor-warning">
            {balancingSpec(method).title} moves the task weights, so the weighted total can rise
            while every task improves; the mean task loss ÷ epoch 1 does not depend on them.
          </p>
        )}
        <label className="run-check" title={doc('earlyStopping.enabled')}>
          <input
            type="checkbox"
            data-testid="run-early-stopping"
            checked={earlyStopping.enabled}
            onChange={(e) => stopping({ enabled: e.target.checked })}
          />
          <span>Stop early</span>
        </label>
        <NumberField
          testId="run-patience"
          label="Patience (epochs)"
          value={earlyStopping.patience}
          setting="earlyStopping.patience"
          onCommit={(patience) => patience !== undefined && stopping({ patience })}
        />
        <NumberField
          testId="run-min-delta"
          label="Min. improvement"
          value={earlyStopping.minDelta}
          setting="earlyStopping.minDelta"
          onCommit={(minDelta) => minDelta !== undefined && stopping({ minDelta })}
        />
        <label className="run-check" title={doc('earlyStopping.restoreBest')}>
          <input
            type="checkbox"
            data-testid="run-restore-best"
            checked={earlyStopping.restoreBest}
            onChange={(e) => stopping({ restoreBest: e.target.checked })}
          />
          <span>Keep the best epoch</span>
        </label>
        <label className="run-field run-field-wide" title={doc('schedule.kind')}>
          <span>Learning-rate schedule</span>
          <select
            data-testid="run-schedule"
            value={schedule.kind}
            onChange={(e) => scheduling({ kind: e.target.value as ScheduleKind })}
          >
            {SCHEDULE_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {SCHEDULE_LABELS[kind]}
              </option>
            ))}
          </select>
        </label>
        {SCHEDULE_FIELDS[schedule.kind].map((key) => (
          <NumberField
            key={key}
            testId={`run-schedule-${key}`}
            label={SCHEDULE_NUMBER_LABELS[key] ?? key}
            value={schedule[key] as number}
            setting={`schedule.${key}`}
            onCommit={(value) => value !== undefined && scheduling({ [key]: value })}
          />
        ))}
        <NumberField
          testId="run-weight-decay"
          label="Weight decay"
          value={training.weightDecay}
          setting="weightDecay"
          onCommit={(weightDecay) => weightDecay !== undefined && editTraining({ weightDecay })}
        />
        <NumberField
          testId="run-clip-norm"
          label="Clip gradient norm"
          value={training.clipNorm}
          setting="clipNorm"
          onCommit={(clipNorm) => clipNorm !== undefined && editTraining({ clipNorm })}
        />
      </div>
    </details>
  );
}
