import { OPTIMIZERS, type OptimizerName } from '../../../core/graph/schema.ts';
import { inspectDraft } from '../datasets/dataset-actions.ts';
import { DatasetDialog } from '../datasets/DatasetDialog.tsx';
import { useDatasetStore } from '../datasets/dataset-store.ts';
import { datasetLabel, draftFromTraining } from '../datasets/import-draft.ts';
import { useUiStore } from '../editor/ui-store.ts';
import { useBuiltInDatasets, useDatasets } from '../editor/use-datasets.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { useHost } from '../host/host-context.tsx';
import { BalancingMenu } from './BalancingMenu.tsx';
import { NumberField } from './NumberField.tsx';
import { editTraining } from './training-edit.ts';
import { FineTuneControls } from './FineTuneControls.tsx';
import { TrainingControls } from './TrainingControls.tsx';

const OPTIMIZER_LABELS: Record<OptimizerName, string> = {
  adam: 'Adam',
  sgd: 'SGD (momentum)',
  rmsprop: 'RMSprop',
};

/** The training settings of the graph: dataset, epochs, batch size, optimizer, rate, seed, limit. */
export function RunSettings() {
  const host = useHost();
  const training = useGraphStore((s) => s.document.training);
  const datasets = useDatasets();
  const builtIn = useBuiltInDatasets();
  const dialog = useUiStore((s) => s.dialog);

  const current = datasets.find((d) => d.name === training.dataset);
  const names = datasets.map((d) => d.name);
  if (!names.includes(training.dataset)) names.unshift(training.dataset);
  // A path the session has not inspected yet (a graph opened from a file): its targets are unknown.
  const uninspected =
    !current && builtIn.length > 0 && !builtIn.some((d) => d.name === training.dataset);

  /** Opens the import dialog on the graph's own dataset; `inspect` reads it at once. */
  const openImport = (inspect: boolean) => {
    const draft = draftFromTraining(
      training,
      builtIn.map((d) => d.name),
    );
    useDatasetStore.getState().begin(draft);
    useUiStore.getState().openDialog('dataset');
    if (inspect) void inspectDraft(host, useDatasetStore);
  };

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
              <option key={name} value={name} title={name}>
                {datasetLabel(name)}
              </option>
            ))}
          </select>
        </label>
        <div className="run-field-wide run-dataset-actions">
          <button type="button" data-testid="run-import-dataset" onClick={() => openImport(false)}>
            Import dataset…
          </button>
          {uninspected && (
            <button
              type="button"
              data-testid="run-inspect-dataset"
              title="Read and check the dataset, and learn its targets"
              onClick={() => openImport(true)}
            >
              Inspect
            </button>
          )}
        </div>
        <NumberField
          testId="run-epochs"
          label="Epochs"
          value={training.epochs}
          setting="epochs"
          onCommit={(epochs) => epochs !== undefined && editTraining({ epochs })}
        />
        <NumberField
          testId="run-batch-size"
          label="Batch size"
          value={training.batchSize}
          setting="batchSize"
          onCommit={(batchSize) => batchSize !== undefined && editTraining({ batchSize })}
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
          setting="learningRate"
          onCommit={(learningRate) => learningRate !== undefined && editTraining({ learningRate })}
        />
        <NumberField
          testId="run-seed"
          label="Seed"
          value={training.seed}
          setting="seed"
          onCommit={(seed) => seed !== undefined && editTraining({ seed })}
        />
        <NumberField
          testId="run-limit"
          label="Use only N samples"
          value={training.limit}
          emptyMeans="all samples"
          placeholder={current ? `all ${current.fullSize.toLocaleString('en-US')}` : 'all'}
          setting="limit"
          onCommit={(limit) => editTraining({ limit })}
        />
      </div>
      {/* Beside the fields it describes, not after the balancing method's own explanation. */}
      {current && (
        <p className="run-note" data-testid="run-dataset-description">
          <strong>Dataset {current.name}:</strong> {current.description}
        </p>
      )}
      <TrainingControls />
      <FineTuneControls />
      <BalancingMenu />
      {uninspected && (
        <p className="run-note" data-testid="run-dataset-uninspected" title={training.dataset}>
          {training.dataset}: not inspected in this session, so its targets are not known yet.
        </p>
      )}
      {dialog === 'dataset' && <DatasetDialog />}
    </section>
  );
}
