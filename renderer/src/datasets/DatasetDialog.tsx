import { useMemo } from 'react';
import { Dialog } from '../editor/Dialog.tsx';
import { useUiStore } from '../editor/ui-store.ts';
import { useHost } from '../host/host-context.tsx';
import { BadRowReport } from './BadRowReport.tsx';
import { adoptInspectedDataset, inspectDraft } from './dataset-actions.ts';
import { useDatasetStore } from './dataset-store.ts';
import { DatasetOptionsForm } from './DatasetOptionsForm.tsx';
import { DatasetSource } from './DatasetSource.tsx';
import { DatasetSummaryView } from './DatasetSummaryView.tsx';
import { invalidOptionKeys, sameDraft } from './import-draft.ts';
import { PreviewGrid } from './PreviewGrid.tsx';
import './datasets.css';

/**
 * Import a dataset: where it is, how it is read; Inspect reads and checks it on the host and
 * shows what it found; "Use this dataset" makes it the graph's training data.
 */
export function DatasetDialog() {
  const host = useHost();
  const draft = useDatasetStore((s) => s.draft);
  const busy = useDatasetStore((s) => s.busy);
  const error = useDatasetStore((s) => s.error);
  const shown = useDatasetStore((s) => s.shown);
  const invalid = useMemo(() => invalidOptionKeys(draft.options), [draft.options]);

  const inspect = () => void inspectDraft(host, useDatasetStore);
  const path = draft.path.trim();
  const usable = shown !== undefined && shown.draft.path === path && invalid.size === 0;
  const stale = shown !== undefined && !sameDraft(shown.draft, { ...draft, path });
  const use = () => {
    adoptInspectedDataset({ path, options: draft.options });
    useUiStore.getState().closeDialog();
  };

  return (
    <Dialog title="Import a dataset" testId="dataset-dialog">
      <div className="dataset-dialog">
        <section>
          <h3>Dataset</h3>
          <DatasetSource onInspect={inspect} />
        </section>
        <DatasetOptionsForm />
        <div className="dataset-dialog__actions">
          <button
            type="button"
            data-testid="dataset-inspect"
            disabled={busy !== undefined || path === ''}
            onClick={inspect}
          >
            {busy === 'inspecting' ? 'Inspecting…' : busy === 'choosing' ? 'Waiting…' : 'Inspect'}
          </button>
          <span
            title={
              usable
                ? 'The graph trains on this dataset, read with these options.'
                : 'Inspect it first.'
            }
          >
            <button
              type="button"
              className="primary"
              data-testid="dataset-use"
              disabled={!usable || busy !== undefined}
              onClick={use}
            >
              Use this dataset
            </button>
          </span>
          {stale && !error && (
            <span className="studio-muted">
              The options or the path changed since this inspection; Inspect again to see their
              effect.
            </span>
          )}
        </div>
        {error && (
          <p className="dataset-error" role="alert" data-testid="dataset-error">
            {error}
          </p>
        )}
        {shown && (
          <div className="dataset-results" data-testid="dataset-results">
            <DatasetSummaryView
              summary={shown.inspection.summary}
              options={shown.draft.options}
              targets={shown.inspection.info.targets}
            />
            <BadRowReport
              counts={shown.inspection.summary.badRowCounts}
              rows={shown.inspection.badRows}
              total={shown.inspection.badRowTotal}
            />
            <PreviewGrid previews={shown.inspection.preview} />
          </div>
        )}
      </div>
    </Dialog>
  );
}
