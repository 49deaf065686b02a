import { useEffect } from 'react';
import { errorsOf } from '../../../core/problems.ts';
import { fitHeadsToCurrentDataset } from '../editor/add-actions.ts';
import { useBindingProblems } from '../editor/use-binding-problems.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { useHost } from '../host/host-context.tsx';
import { currentFileName, startRun, stopRun } from './run-actions.ts';
import { ResumeControl } from './ResumeControl.tsx';
import { RunBarProgress } from './RunBarProgress.tsx';
import { findRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';
import { startBlocker } from './start-blocker.ts';

const currentDocument = () => useGraphStore.getState().document;


/** Start and Stop, why Start cannot train now, and the last refusal of the host as a sentence. */
export function RunControls() {
  const host = useHost();
  const graphOk = useGraphStore((s) => s.analysis.ok);
  const document = useGraphStore((s) => s.document);
  const bindings = useBindingProblems();
  const invalidSettings = useRunStore((s) => s.invalidSettings);
  const starting = useRunStore((s) => s.starting);
  const activeRunId = useRunStore((s) => s.activeRunId);
  const stopping = useRunStore((s) => findRun(s, s.activeRunId)?.stopping ?? false);
  const error = useRunStore((s) => s.error);
  const setError = useRunStore((s) => s.setError);

  // A refusal is about the graph it was given: once the graph changes, it no longer applies.
  useEffect(() => setError(undefined), [document, setError]);

  const blocker = startBlocker({
    graphOk,
    bindings,
    invalidSettings,
    running: activeRunId !== undefined,
    starting,
  });
  // Only what the user must change is said beside the button; the rest is in its tooltip.
  const mustFix = blocker !== undefined && activeRunId === undefined && !starting;
  // Heads that do not fit the dataset are fixed in one step, not head by head.
  const canFit = mustFix && graphOk && errorsOf(bindings).length > 0;

  return (
    <div className="run-controls">
      <div className="run-buttons">
        {/* A disabled button gets no hover events in some browsers: the wrapper holds the tooltip. */}
        <span title={blocker ?? 'Train the graph as it is now; later edits do not change the run.'}>
          <button
            type="button"
            className="primary"
            data-testid="btn-start"
            disabled={blocker !== undefined}
            aria-describedby={mustFix ? 'run-start-blocker' : undefined}
            onClick={() => void startRun(host, currentDocument, useRunStore, currentFileName)}
          >
            {starting ? 'Starting…' : 'Start'}
          </button>
        </span>
        <button
          type="button"
          data-testid="btn-stop"
          disabled={activeRunId === undefined || stopping}
          title="Stop after the current batch; the model of the last whole epoch is kept."
          onClick={() => activeRunId && void stopRun(host, activeRunId)}
        >
          {stopping ? 'Stopping…' : 'Stop'}
        </button>
        <ResumeControl />
        <RunBarProgress />
      </div>
      {mustFix && (
        <p className="run-note run-blocker" id="run-start-blocker" data-testid="run-start-blocker">
          {blocker}
          {canFit && (
            <button
              type="button"
              className="run-fit-heads"
              data-testid="btn-fit-heads"
              title="Give each head a target of the dataset and its size, and a head to each target none learns"
              onClick={fitHeadsToCurrentDataset}
            >
              Fit heads to the dataset
            </button>
          )}
        </p>
      )}
      {error && (
        <p className="run-error" data-testid="run-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
