import { useGraphStore } from '../graph/graph-store.ts';
import { useHost } from '../host/host-context.tsx';
import { startRun, stopRun } from './run-actions.ts';
import { findRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

const currentDocument = () => useGraphStore.getState().document;

/** Start and Stop, and the last refusal of the host as a sentence. */
export function RunControls() {
  const host = useHost();
  const graphOk = useGraphStore((s) => s.analysis.ok);
  const starting = useRunStore((s) => s.starting);
  const activeRunId = useRunStore((s) => s.activeRunId);
  const stopping = useRunStore((s) => findRun(s, s.activeRunId)?.stopping ?? false);
  const error = useRunStore((s) => s.error);

  const why = !graphOk
    ? 'Fix the problems in the graph first (see Problems).'
    : activeRunId
      ? 'A run is in progress: stop it or wait for it to end.'
      : starting
        ? 'Starting…'
        : 'Train the graph as it is now; later edits do not change the run.';

  return (
    <div className="run-controls">
      <div className="run-buttons">
        {/* A disabled button gets no hover events in some browsers: the wrapper holds the tooltip. */}
        <span title={why}>
          <button
            type="button"
            className="primary"
            data-testid="btn-start"
            disabled={!graphOk || starting || activeRunId !== undefined}
            onClick={() => void startRun(host, currentDocument)}
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
      </div>
      {!graphOk && <p className="run-note">Fix the problems in the graph first.</p>}
      {error && (
        <p className="run-error" data-testid="run-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
