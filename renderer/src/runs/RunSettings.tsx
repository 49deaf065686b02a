import { useEffect, useState } from 'react';
import type { DatasetInfo } from '../../../core/contract/host.ts';
import {
  OPTIMIZERS,
  trainingSettingsSchema,
  type OptimizerName,
  type TrainingSettings,
} from '../../../core/graph/schema.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { useHost } from '../host/host-context.tsx';
import { NumberField } from './NumberField.tsx';

const fields = trainingSettingsSchema.shape;

/** One undoable edit of the graph's training settings: they are saved with the graph. */
function editTraining(patch: Partial<TrainingSettings>) {
  useGraphStore
    .getState()
    .execute('Edit training settings', (doc) => ({ ...doc, training: { ...doc.training, ...patch } }));
}

const OPTIMIZER_LABELS: Record<OptimizerName, string> = {
  adam: 'Adam',
  sgd: 'SGD (momentum)',
  rmsprop: 'RMSprop',
};

/** The training settings of the graph: dataset, epochs, batch size, optimizer, rate, seed, limit. */
export function RunSettings() {
  const host = useHost();
  const training = useGraphStore((s) => s.document.training);
  const [datasets, setDatasets] = useState<readonly DatasetInfo[]>([]);

  useEffect(() => {
    let live = true;
    host
      .listDatasets()
      .then((list) => live && setDatasets(list))
      .catch(() => live && setDatasets([]));
    return () => {
      live = false;
    };
  }, [host]);

  const current = datasets.find((d) => d.name === training.dataset);
  const names = datasets.map((d) => d.name);
  if (!names.includes(training.dataset)) names.unshift(training.dataset);

  return (
    <section className="run-settings" aria-label="Training settings">
      <h3>Training</h3>
      <div className="run-settings-grid">
        <label className="run-field run-field-wide">
          <span>Dataset</span>
          <select
            data-testid="run-dataset"
            value={training.dataset}
            title={current?.description}
            onChange={(e) => editTraining({ dataset: e.target.value })}
          >
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <NumberField
          testId="run-epochs"
          label="Epochs"
          value={training.epochs}
          rule="a whole number from 1 to 10000"
          isValid={(v) => fields.epochs.safeParse(v).success && v !== undefined}
          onCommit={(epochs) => epochs !== undefined && editTraining({ epochs })}
          step="1"
        />
        <NumberField
          testId="run-batch-size"
          label="Batch size"
          value={training.batchSize}
          rule="a whole number from 1 to 4096"
          isValid={(v) => fields.batchSize.safeParse(v).success && v !== undefined}
          onCommit={(batchSize) => batchSize !== undefined && editTraining({ batchSize })}
          step="1"
        />
        <label className="run-field">
          <span>Optimizer</span>
          <select
            data-testid="run-optimizer"
            value={training.optimizer}
            onChange={(e) => editTraining({ optimizer: e.target.value as OptimizerName })}
          >
            {OPTIMIZERS.map((name) => (
              <option key={name} value={name}>
                {OPTIMIZER_LABELS[name]}
              </option>
            ))}
          </select>
        </label>
        <NumberField
          testId="run-learning-rate"
          label="Learning rate"
          value={training.learningRate}
          rule="a number above 0 and at most 10"
          isValid={(v) => fields.learningRate.safeParse(v).success && v !== undefined}
          onCommit={(learningRate) => learningRate !== undefined && editTraining({ learningRate })}
        />
        <NumberField
          testId="run-seed"
          label="Seed"
          value={training.seed}
          rule="a whole number from 0 to 2147483647"
          isValid={(v) => fields.seed.safeParse(v).success && v !== undefined}
          onCommit={(seed) => seed !== undefined && editTraining({ seed })}
          step="1"
        />
        <NumberField
          testId="run-limit"
          label="Use only N samples"
          value={training.limit}
          optional
          placeholder={current ? `all ${current.fullSize.toLocaleString('en-US')}` : 'all'}
          rule="a whole number of at least 3, or empty for all samples"
          isValid={(v) => fields.limit.safeParse(v).success}
          onCommit={(limit) => editTraining({ limit })}
          step="1"
        />
      </div>
      {current && <p className="run-note">{current.description}</p>}
    </section>
  );
}
