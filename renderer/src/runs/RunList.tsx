import { memo, useState } from 'react';
import { useHost } from '../host/host-context.tsx';
import { summaryText } from './format.ts';
import { ExportButton } from './ExportButton.tsx';
import { renameRun } from './run-actions.ts';
import { hasModel, type Run } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';
import { statusText } from './RunStatus.tsx';

/** Every run of the session: pick the one to show, the ones to overlay, and export models. */
export function RunList() {
  const runs = useRunStore((s) => s.runs);
  if (runs.length === 0) return null;
  return (
    <section className="run-list" aria-label="Runs">
      <h3>Runs</h3>
      <ul data-testid="run-list">
        {[...runs].reverse().map((run) => (
          <RunItem key={run.runId} run={run} />
        ))}
      </ul>
    </section>
  );
}

/** Memoised: a batch update of the running run does not re-render the other runs' items. */
const RunItem = memo(function RunItem({ run }: { run: Run }) {
  const selected = useRunStore((s) => s.selectedRunId === run.runId);
  const compared = useRunStore((s) => s.compareRunIds.includes(run.runId));
  const select = useRunStore((s) => s.select);
  const toggleCompare = useRunStore((s) => s.toggleCompare);
  const last = run.epochs[run.epochs.length - 1];
  const metrics = run.test ?? last?.val;
  const exportable = hasModel(run);
  const [renaming, setRenaming] = useState(false);
  const host = useHost();
  const rename = (label: string) => void renameRun(host, run.runId, label);

  if (renaming) {
    return (
      <li className={`run-item${selected ? ' selected' : ''}`} data-testid="run-item">
        <input
          className="run-item-rename"
          data-testid="run-rename-input"
          aria-label={`New name for ${run.label}`}
          defaultValue={run.label}
          autoFocus
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              rename(e.currentTarget.value);
              setRenaming(false);
            }
            if (e.key === 'Escape') setRenaming(false);
          }}
          onBlur={(e) => {
            rename(e.currentTarget.value);
            setRenaming(false);
          }}
        />
      </li>
    );
  }

  return (
    <li className={`run-item${selected ? ' selected' : ''}`} data-testid="run-item">
      <button
        type="button"
        className="run-item-main"
        aria-pressed={selected}
        onClick={() => select(run.runId)}
      >
        <span className="run-item-label">{run.label}</span>
        <span className="run-item-date" data-testid="run-item-balancing">
          {(run.started?.balancing ?? run.settings.balancing).method}
        </span>
        <span className={`run-item-status status-${run.status}`} title={run.message}>
          {run.status === 'failed' ? 'Failed' : statusText(run)}
        </span>
        {metrics && (
          <span className="run-item-metrics">
            {run.test ? 'test ' : `val (epoch ${last?.epoch}) `}
            {summaryText(metrics)}
          </span>
        )}
      </button>
      <div className="run-item-actions">
        <label
          className="run-check"
          title={selected ? 'This is the run the charts show.' : 'Overlay this run on the charts.'}
        >
          <input
            type="checkbox"
            data-testid={`compare-${run.runId}`}
            aria-label={`Compare ${run.label} with the shown run`}
            checked={compared && !selected}
            disabled={selected}
            onChange={() => toggleCompare(run.runId)}
          />
          compare
        </label>
        <button
          type="button"
          data-testid="btn-rename-run"
          aria-label={`Rename ${run.label}`}
          title="Give this run a name of your own"
          onClick={() => setRenaming(true)}
        >
          Rename
        </button>
        <ExportButton runId={run.runId} runName={run.label} exportable={exportable} />
      </div>
    </li>
  );
});
